// The station's page: drop files, follow a job, tick officers. No framework, no build step.
"use strict";

function setupDrop() {
  document.querySelectorAll("form.drop").forEach(function (form) {
    var input = form.querySelector("input[type=file]");
    ["dragenter", "dragover"].forEach(function (name) {
      form.addEventListener(name, function (event) {
        event.preventDefault();
        form.classList.add("over");
      });
    });
    form.addEventListener("dragleave", function () { form.classList.remove("over"); });
    form.addEventListener("drop", function (event) {
      event.preventDefault();
      form.classList.remove("over");
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        form.submit();
      }
    });
  });
}

function setupTicks() {
  var boxes = function () { return document.querySelectorAll("#cards input[name=officer]"); };
  var on = function (id, handler) {
    var button = document.getElementById(id);
    if (button) { button.addEventListener("click", handler); }
  };
  on("tick-all", function () { boxes().forEach(function (b) { b.checked = true; }); });
  on("tick-none", function () { boxes().forEach(function (b) { b.checked = false; }); });
  on("tick-changed", function (event) {
    var changed = JSON.parse(event.target.getAttribute("data-changed") || "[]");
    boxes().forEach(function (b) { b.checked = changed.indexOf(b.value) >= 0; });
  });
}

function follow() {
  var section = document.getElementById("job");
  if (!section) { return; }
  var state = section.getAttribute("data-state");
  var version = section.getAttribute("data-version");
  var thumbsMissing = document.querySelector("img[data-src]") !== null;
  var thumbsAt = null;
  var poll = function () {
    fetch("/job/" + section.getAttribute("data-job") + "/state", {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) {
        if (!s) { return; }
        if (String(s.version) !== version) { window.location.reload(); return; }
        var bar = document.getElementById("progress");
        if (bar && s.total) {
          bar.max = s.total;
          bar.value = s.done;
          document.getElementById("progress-text").textContent = s.done + " / " + s.total;
        }
        var place = document.getElementById("place");
        if (place && s.place) { place.textContent = place.textContent.replace(/\d+/, s.place); }
        if (thumbsMissing && thumbsAt !== "done" && s.thumbs === "done") {
          document.querySelectorAll("img[data-src]").forEach(function (img) {
            img.src = img.getAttribute("data-src");
            img.removeAttribute("data-src");
          });
        }
        thumbsAt = s.thumbs;
        if (state === "queued" || state === "running" || s.thumbs === "making") {
          window.setTimeout(poll, 700);
        }
      })
      .catch(function () { window.setTimeout(poll, 2000); });
  };
  poll();
}

document.addEventListener("DOMContentLoaded", function () {
  setupDrop();
  setupTicks();
  follow();
});
