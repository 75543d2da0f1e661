/**
 * Pixel size of an image given inline as a `data:` URL, read from the file header (PNG, JPEG, GIF,
 * WebP). Image token rules depend on the size; a remote URL is never fetched (estimates work
 * offline), so its size is unknown and the caller assumes one and says so.
 */

/** Width and height in pixels. */
export interface ImageSize {
  width: number
  height: number
}

// JPEG headers can sit behind large EXIF blocks; 256 kB of base64 covers them in practice without
// decoding a whole multi-megabyte image.
const HEADER_BASE64_CHARS = 256 * 1024

/** The size of a `data:image/...;base64,` image, or null when it is not one or cannot be read. */
export function imageSizeFromUrl(url: string): ImageSize | null {
  if (!url.startsWith('data:')) return null
  const comma = url.indexOf(',')
  if (comma < 0 || !url.slice(0, comma).endsWith(';base64')) return null
  let base64 = url.slice(comma + 1, comma + 1 + HEADER_BASE64_CHARS)
  base64 = base64.slice(0, base64.length - (base64.length % 4))
  return imageSizeFromBytes(Buffer.from(base64, 'base64'))
}

/** The size of an image from its first bytes, or null for an unknown or truncated format. */
export function imageSizeFromBytes(bytes: Uint8Array): ImageSize | null {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (
    view.length >= 24 &&
    view.readUInt32BE(0) === 0x89504e47 &&
    view.toString('latin1', 12, 16) === 'IHDR'
  ) {
    return sized(view.readUInt32BE(16), view.readUInt32BE(20))
  }
  if (view.length >= 10 && view.toString('latin1', 0, 4) === 'GIF8') {
    return sized(view.readUInt16LE(6), view.readUInt16LE(8))
  }
  if (
    view.length >= 30 &&
    view.toString('latin1', 0, 4) === 'RIFF' &&
    view.toString('latin1', 8, 12) === 'WEBP'
  ) {
    return webpSize(view)
  }
  if (view.length >= 4 && view[0] === 0xff && view[1] === 0xd8) return jpegSize(view)
  return null
}

function sized(width: number, height: number): ImageSize | null {
  return width > 0 && height > 0 ? { width, height } : null
}

function webpSize(view: Buffer): ImageSize | null {
  const chunk = view.toString('latin1', 12, 16)
  if (chunk === 'VP8 ' && view.length >= 30) {
    return sized(view.readUInt16LE(26) & 0x3fff, view.readUInt16LE(28) & 0x3fff)
  }
  if (chunk === 'VP8L' && view.length >= 25) {
    const bits = view.readUInt32LE(21)
    return sized((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1)
  }
  if (chunk === 'VP8X' && view.length >= 30) {
    return sized(view.readUIntLE(24, 3) + 1, view.readUIntLE(27, 3) + 1)
  }
  return null
}

// Start-of-frame markers carry the size; C4 (Huffman tables), C8 (reserved) and CC (arithmetic
// coding conditioning) share the range but are not frames.
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc
}

function jpegSize(view: Buffer): ImageSize | null {
  let offset = 2
  while (offset + 9 < view.length) {
    if (view[offset] !== 0xff) return null
    const marker = view[offset + 1]!
    if (marker === 0xff) {
      offset++ // fill byte
      continue
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      offset += 2 // markers without a length
      continue
    }
    const length = view.readUInt16BE(offset + 2)
    if (isStartOfFrame(marker))
      return sized(view.readUInt16BE(offset + 7), view.readUInt16BE(offset + 5))
    offset += 2 + length
  }
  return null
}
