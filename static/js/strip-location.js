// strip-location.js: a photo's bytes without the metadata that can say where it was taken, for
// "Export what is not sent" (export.js), as the server removes it on arrival (sync/media_images.py).
// Byte surgery, not a re-encode through a canvas: the pixels stay exactly as taken (no second
// JPEG compression) and it takes milliseconds. JPEG: Exif and XMP (APP1), IPTC (APP13), comments,
// the multi-picture index and anything after the image's end go; the orientation is kept in a new
// minimal Exif, so the photo still shows upright. PNG: eXIf and text chunks go. WebP: EXIF and XMP
// chunks go. Any other type cannot be cleaned here: stripLocation answers null.

const APP1 = 0xe1, APP2 = 0xe2, APP13 = 0xed, COM = 0xfe, SOS = 0xda, EOI = 0xd9;
const ascii = (bytes, at, text) => [...text].every((c, i) => bytes[at + i] === c.charCodeAt(0));

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) { out.set(part, at); at += part.length; }
  return out;
}

// The Exif orientation (1-8) in an APP1 segment's body, or null.
function orientation(body) {
  if (!ascii(body, 0, "Exif\0\0")) return null;
  const tiff = new DataView(body.buffer, body.byteOffset + 6, body.length - 6);
  const little = tiff.getUint16(0) === 0x4949;
  const ifd = tiff.getUint32(4, little);
  const entries = tiff.getUint16(ifd, little);
  for (let i = 0; i < entries; i++) {
    const at = ifd + 2 + i * 12;
    if (tiff.getUint16(at, little) === 0x0112) return tiff.getUint16(at + 8, little);
  }
  return null;
}

// A whole APP1 segment holding only the orientation (big-endian TIFF, one IFD entry).
function orientationSegment(value) {
  const bytes = new Uint8Array(36);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, 0xffe1);
  view.setUint16(2, 34);
  bytes.set([..."Exif\0\0MM"].map((c) => c.charCodeAt(0)), 4);
  view.setUint16(12, 42);
  view.setUint32(14, 8);
  view.setUint16(18, 1);
  view.setUint16(20, 0x0112);
  view.setUint16(22, 3);
  view.setUint32(24, 1);
  view.setUint16(28, value);
  return bytes;  // next-IFD offset (bytes 32-35) stays 0
}

function dropped(marker, body) {
  return marker === APP1 || marker === APP13 || marker === COM || (marker === APP2 && ascii(body, 0, "MPF\0"));
}

// Where the entropy-coded data after a scan header ends: the next marker that is not a restart or stuffing.
function scanEnd(bytes, at) {
  while (at < bytes.length - 1) {
    if (bytes[at] === 0xff && bytes[at + 1] !== 0 && !(bytes[at + 1] >= 0xd0 && bytes[at + 1] <= 0xd7)) return at;
    at++;
  }
  return bytes.length;
}

export function stripJpeg(bytes) {
  const kept = [bytes.subarray(0, 2)];
  let at = 2;
  let upright = null;
  while (at < bytes.length - 1) {
    if (bytes[at] !== 0xff) throw new Error("not a JPEG segment");
    const marker = bytes[at + 1];
    if (marker === 0xff) { at++; continue; }  // fill byte
    if (marker === EOI) { kept.push(bytes.subarray(at, at + 2)); break; }  // anything after the image goes
    const end = at + 2 + ((bytes[at + 2] << 8) | bytes[at + 3]);
    const body = bytes.subarray(at + 4, end);
    if (marker === APP1 && upright == null) {
      const value = orientation(body);
      if (value && value !== 1) { upright = value; kept.push(orientationSegment(value)); }
    }
    if (!dropped(marker, body)) kept.push(bytes.subarray(at, end));
    at = end;
    if (marker === SOS) {
      const data = scanEnd(bytes, at);
      kept.push(bytes.subarray(at, data));
      at = data;
    }
  }
  return concat(kept);
}

const PNG_DROPPED = new Set(["eXIf", "tEXt", "zTXt", "iTXt"]);

export function stripPng(bytes) {
  const kept = [bytes.subarray(0, 8)];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let at = 8; at + 8 <= bytes.length;) {
    const end = at + 12 + view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (!PNG_DROPPED.has(type)) kept.push(bytes.subarray(at, end));
    at = end;
  }
  return concat(kept);
}

export function stripWebp(bytes) {
  const kept = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  for (let at = 12; at + 8 <= bytes.length;) {
    const type = String.fromCharCode(...bytes.subarray(at, at + 4));
    const end = at + 8 + view.getUint32(at + 4, true) + (view.getUint32(at + 4, true) % 2);
    const chunk = bytes.slice(at, end);
    if (type === "VP8X") chunk[8] &= ~0x0c;  // no longer says it has EXIF (0x08) or XMP (0x04)
    if (type !== "EXIF" && type !== "XMP ") kept.push(chunk);
    at = end;
  }
  const body = concat(kept);
  const head = bytes.slice(0, 12);
  new DataView(head.buffer).setUint32(4, body.length + 4, true);
  return concat([head, body]);
}

// The photo's bytes without location data, or null when this type cannot be cleaned here.
export function stripLocation(bytes) {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return stripJpeg(bytes);
  if (ascii(bytes, 0, "\x89PNG\r\n\x1a\n")) return stripPng(bytes);
  if (ascii(bytes, 0, "RIFF") && ascii(bytes, 8, "WEBP")) return stripWebp(bytes);
  return null;
}
