import { describe, expect, it } from 'vitest'
import { imageSizeFromBytes, imageSizeFromUrl } from './image-size.js'

describe('imageSizeFromBytes', () => {
  it('reads PNG, GIF, JPEG and WebP headers', () => {
    const png = Buffer.alloc(24)
    png.writeUInt32BE(0x89504e47, 0)
    png.write('IHDR', 12, 'latin1')
    png.writeUInt32BE(640, 16)
    png.writeUInt32BE(480, 20)
    expect(imageSizeFromBytes(png)).toEqual({ width: 640, height: 480 })

    const gif = Buffer.from('GIF89a\x20\x03\x58\x02', 'latin1') // 800 x 600, little-endian
    expect(imageSizeFromBytes(gif)).toEqual({ width: 800, height: 600 })

    // SOI, an APP0 segment of 16 bytes, then SOF0: length, precision, height 300, width 400.
    const jpeg = Buffer.from([
      0xff,
      0xd8,
      0xff,
      0xe0,
      0x00,
      0x10,
      ...new Array(14).fill(0),
      0xff,
      0xc0,
      0x00,
      0x11,
      0x08,
      0x01,
      0x2c,
      0x01,
      0x90,
      0x03,
    ])
    expect(imageSizeFromBytes(jpeg)).toEqual({ width: 400, height: 300 })

    const webp = Buffer.alloc(30)
    webp.write('RIFF', 0, 'latin1')
    webp.write('WEBPVP8X', 8, 'latin1')
    webp.writeUIntLE(1919, 24, 3)
    webp.writeUIntLE(1079, 27, 3)
    expect(imageSizeFromBytes(webp)).toEqual({ width: 1920, height: 1080 })
  })

  it('returns null for unknown or truncated data', () => {
    expect(imageSizeFromBytes(Buffer.from('hello world'))).toBeNull()
    expect(imageSizeFromBytes(Buffer.from([0xff, 0xd8, 0xff]))).toBeNull()
  })
})

describe('imageSizeFromUrl', () => {
  it('reads base64 data URLs and never fetches remote ones', () => {
    const gif = Buffer.from('GIF89a\x10\x00\x20\x00', 'latin1').toString('base64')
    expect(imageSizeFromUrl(`data:image/gif;base64,${gif}`)).toEqual({ width: 16, height: 32 })
    expect(imageSizeFromUrl('https://example.com/a.png')).toBeNull()
    expect(imageSizeFromUrl('data:image/png,raw')).toBeNull()
  })
})
