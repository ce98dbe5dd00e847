"""PDF/X-4 and CMYK: the output intent, XMP metadata, and the read-back that keeps RGB out.

``make_pdfx`` turns a finished job into PDF/X-4 (cardkit's CMYK profile as the
output intent, XMP naming the version, a TrimBox on every page); ``rgb_uses``
reads every content stream of a PDF again and lists each RGB colour left. The
generation's own CMYK colours are checked before rendering, in ``design.colors``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..i18n import _

ICC_DIR = Path(__file__).resolve().parent.parent / "data" / "icc"
OUTPUT_INTENT = {
    "profile": "cardkit-fogra39l.icc",
    # A registered characterisation (ICC registry), so any RIP knows the condition.
    "identifier": "FOGRA39",
    "condition": "Offset printing, coated paper (ISO 12647-2:2004/Amd 1, FOGRA39L)",
    "registry": "http://www.color.org",
}


MAX_PROFILE_BYTES = 16 * 1024 * 1024  # the biggest press profiles are a few MiB


@dataclass(frozen=True)
class OutputIntent:
    """The press condition a CMYK job is made for: its profile and how it is named."""

    profile: bytes
    identifier: str  # OutputConditionIdentifier: a registered name (FOGRA39, JC200103) or Custom
    condition: str  # what a person reads: the profile's description
    registry: str = ""  # where the identifier is registered; "" for a custom condition


def builtin_intent() -> OutputIntent:
    """cardkit's own FOGRA39L profile, the default."""
    return OutputIntent(output_profile(), OUTPUT_INTENT["identifier"], OUTPUT_INTENT["condition"],
                        OUTPUT_INTENT["registry"])


def shop_intent(path: str | Path, condition: str | None = None) -> OutputIntent:
    """The shop's own press condition (``--output-intent FILE.icc``, ``--output-condition``).

    The profile must be an ICC output profile of CMYK: it is embedded as it is, and the
    job's CMYK values are printed as the design states them (nothing is converted).
    ``condition`` is the OutputConditionIdentifier of a registered characterisation (for
    example JC200103, Japan Color 2001 Coated); without it the condition is ``Custom``,
    described by the profile's own description.
    """
    import io

    from PIL import ImageCms

    from ..digests import NotRegularFile, read_regular
    from ..errors import InputError

    where = f"--output-intent {path}"
    try:
        data = read_regular(path, MAX_PROFILE_BYTES)  # a FIFO or a device is never waited on
    except NotRegularFile:
        raise InputError(f"{where}: " + _("not a regular file; give the ICC profile's own "
                                          "file")) from None
    except OSError as exc:
        raise InputError(f"{where}: " + _("cannot read the profile ({reason})").format(
            reason=exc.strerror or exc)) from None
    if len(data) > MAX_PROFILE_BYTES:
        raise InputError(f"{where}: " + _("a profile of more than {mib} MiB is not a press "
                                          "profile").format(mib=MAX_PROFILE_BYTES // 2**20))
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(data)).profile
    except (OSError, ValueError, TypeError):
        raise InputError(f"{where}: " + _("not an ICC profile")) from None
    space, kind = profile.xcolor_space.strip(), profile.device_class.strip()
    if space != "CMYK" or kind != "prtr":
        raise InputError(f"{where}: " + _(
            "a {space} {kind} profile; the output intent of a CMYK job is a CMYK output "
            "(printer) profile, such as the shop's press profile").format(space=space, kind=kind))
    description = (profile.profile_description or "").strip() or Path(path).name
    name = (condition or "").strip()
    if condition is not None and not name:
        raise InputError("--output-condition: " + _("empty; give the condition's registered "
                                                    "name, for example JC200103"))
    return OutputIntent(data, name or "Custom", description,
                        OUTPUT_INTENT["registry"] if name else "")


# --- reading the PDF back ------------------------------------------------------------------

_RGB_SPACES = {"/DeviceRGB", "/CalRGB"}


def _space_is_rgb(space, resources) -> bool:
    import pikepdf

    if isinstance(space, pikepdf.Name):
        name = str(space)
        if name in _RGB_SPACES:
            return True
        named = (resources or {}).get("/ColorSpace", {}) if resources is not None else {}
        if name in named:
            return _space_is_rgb(named[name], None)
        return False
    if isinstance(space, pikepdf.Array) and len(space) > 0:
        family = str(space[0])
        if family in _RGB_SPACES:
            return True
        if family == "/ICCBased":
            return int(space[1].get("/N", 0)) == 3
        if family == "/Indexed":
            return _space_is_rgb(space[1], resources)
        if family in ("/Separation", "/DeviceN"):
            return False
        if family == "/Pattern" and len(space) > 1:
            return _space_is_rgb(space[1], resources)
    return False


def rgb_uses(pdf) -> list[str]:
    """Every use of an RGB colour in ``pdf``: one line each, with page and where."""
    import pikepdf

    scan = _RgbScan()
    for number, page in enumerate(pdf.pages, start=1):
        where = _("page {number}").format(number=number)
        scan.group(page.obj, where)
        resources = page.obj.get("/Resources")
        for gstate in (resources or {}).get("/ExtGState", {}).values():
            smask = gstate.get("/SMask")
            if isinstance(smask, pikepdf.Dictionary) and "/G" in smask:
                scan.xobject(smask.G, f"{where} soft mask")
        scan.content(page, resources, where)
    return scan.found


class _RgbScan:
    """A walk through content streams, forms, images, patterns and shadings, each seen once."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self.seen: set = set()

    def group(self, obj, where: str) -> None:
        group = obj.get("/Group")
        if group is not None and "/CS" in group and _space_is_rgb(group.CS, None):
            self.found.append(f"{where}: " + _("transparency group in RGB"))

    def content(self, stream_owner, resources, where: str) -> None:
        import pikepdf

        try:
            instructions = pikepdf.parse_content_stream(stream_owner)
        except pikepdf.PdfError as exc:
            self.found.append(f"{where}: " + _("unreadable content ({reason})").format(reason=exc))
            return
        for item in instructions:
            self.operator(str(item.operator), item.operands, resources, where)
        self.patterns(resources, where)

    def operator(self, op: str, operands, resources, where: str) -> None:
        if op in ("rg", "RG"):
            self.found.append(f"{where}: " + _("RGB colour {values} {op}").format(
                values=" ".join(str(float(v)) for v in operands), op=op))
        elif op in ("cs", "CS") and operands and _space_is_rgb(operands[0], resources):
            self.found.append(f"{where}: " + _("RGB colour space {name}").format(name=operands[0]))
        elif op == "Do" and resources is not None:
            xobj = resources.get("/XObject", {}).get(str(operands[0]))
            if xobj is not None:
                self.xobject(xobj, f"{where} {operands[0]}")
        elif op == "sh" and resources is not None:
            shading = resources.get("/Shading", {}).get(str(operands[0]))
            if shading is not None and _space_is_rgb(shading.get("/ColorSpace"), resources):
                self.found.append(f"{where}: " + _("RGB shading {name}").format(name=operands[0]))

    def patterns(self, resources, where: str) -> None:
        for name, pattern in (resources or {}).get("/Pattern", {}).items():
            key = ("pattern", pattern.objgen)
            if key in self.seen:
                continue
            self.seen.add(key)
            shading = pattern.get("/Shading")
            if shading is not None and _space_is_rgb(shading.get("/ColorSpace"), None):
                self.found.append(f"{where}: " + _("RGB shading pattern {name}").format(name=name))
            if pattern.get("/PatternType") == 1:
                self.content(pattern, pattern.get("/Resources"), f"{where} pattern {name}")

    def xobject(self, xobj, where: str) -> None:
        key = xobj.objgen
        if key in self.seen and key != (0, 0):
            return
        self.seen.add(key)
        subtype = str(xobj.get("/Subtype"))
        if subtype == "/Image":
            if not xobj.get("/ImageMask", False) and _space_is_rgb(xobj.get("/ColorSpace"), None):
                self.found.append(f"{where}: " + _("RGB image"))
            smask = xobj.get("/SMask")
            if smask is not None and _space_is_rgb(smask.get("/ColorSpace"), None):
                self.found.append(f"{where}: " + _("RGB image mask"))
        elif subtype == "/Form":
            self.group(xobj, where)
            self.content(xobj, xobj.get("/Resources"), where)


def set_groups_cmyk(pdf) -> None:
    """Blend transparency groups in CMYK (WeasyPrint may leave /CS /DeviceRGB on them)."""
    import pikepdf

    for obj in pdf.objects:
        if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
            group = obj.get("/Group")
            if isinstance(group, pikepdf.Dictionary) and "/CS" in group \
                    and _space_is_rgb(group.CS, None):
                group.CS = pikepdf.Name.DeviceCMYK


def output_profile() -> bytes:
    return (ICC_DIR / OUTPUT_INTENT["profile"]).read_bytes()


def make_pdfx(pdf, title: str, date: str, version: str,
              intent: OutputIntent | None = None) -> None:
    """Make ``pdf`` PDF/X-4 with ``intent`` (default: the built-in FOGRA39) as its output
    intent."""
    import hashlib
    import uuid
    from xml.sax.saxutils import escape

    import pikepdf

    set_groups_cmyk(pdf)
    for page in pdf.pages:
        if "/TrimBox" not in page.obj:
            page.obj.TrimBox = page.obj.MediaBox
    intent = intent or builtin_intent()
    profile = pdf.make_stream(intent.profile)
    profile.N = 4
    entries = pikepdf.Dictionary(
        Type=pikepdf.Name.OutputIntent,
        S=pikepdf.Name.GTS_PDFX,
        OutputConditionIdentifier=pikepdf.String(intent.identifier),
        OutputCondition=pikepdf.String(intent.condition),
        Info=pikepdf.String(intent.condition),
        DestOutputProfile=profile,
    )
    if intent.registry:
        entries.RegistryName = pikepdf.String(intent.registry)
    pdf.Root.OutputIntents = pikepdf.Array([pdf.make_indirect(entries)])
    digest = hashlib.sha256(title.encode())
    for page in pdf.pages:
        for stream in page.obj.get("/Contents", []) if isinstance(
                page.obj.get("/Contents"), pikepdf.Array) else [page.obj.Contents]:
            digest.update(stream.read_bytes())
        for xobj in page.obj.Resources.get("/XObject", {}).values():
            digest.update(xobj.read_bytes())
    doc_id = uuid.UUID(bytes=digest.digest()[:16], version=4)
    iso = f"{date[2:6]}-{date[6:8]}-{date[8:10]}T{date[10:12]}:{date[12:14]}:{date[14:16]}Z"
    xmp = f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about=""
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
 xmlns:xmpMM="http://ns.adobe.com/xap/1.0/mm/"
 xmlns:pdfxid="http://www.npes.org/pdfx/ns/id/">
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{escape(title)}</rdf:li></rdf:Alt></dc:title>
<xmp:CreateDate>{iso}</xmp:CreateDate>
<xmp:ModifyDate>{iso}</xmp:ModifyDate>
<xmp:MetadataDate>{iso}</xmp:MetadataDate>
<xmp:CreatorTool>cardkit {version}</xmp:CreatorTool>
<pdf:Producer>cardkit {version}</pdf:Producer>
<pdf:Trapped>False</pdf:Trapped>
<xmpMM:DocumentID>uuid:{doc_id}</xmpMM:DocumentID>
<xmpMM:InstanceID>uuid:{doc_id}</xmpMM:InstanceID>
<xmpMM:VersionID>1</xmpMM:VersionID>
<xmpMM:RenditionClass>default</xmpMM:RenditionClass>
<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""
    metadata = pdf.make_stream(xmp.encode("utf-8"))
    metadata.Type = pikepdf.Name.Metadata
    metadata.Subtype = pikepdf.Name.XML
    pdf.Root.Metadata = metadata
