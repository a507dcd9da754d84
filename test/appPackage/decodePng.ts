/**
 * Reads back the PNGs our encoder writes (8-bit RGBA, filter 0), checking every chunk CRC on the way, so the
 * tests judge the committed bytes rather than trusting the encoder that made them.
 */
import zlib from 'node:zlib';
import type { RgbaImage } from '../../appPackage/icons';

export function decodePng(png: Buffer): RgbaImage {
  if (png.subarray(0, 8).toString('hex') !== '89504e470d0a1a0a') throw new Error('missing PNG signature');
  let offset = 8;
  let header: Buffer | undefined;
  const data: Buffer[] = [];
  for (;;) {
    const length = png.readUInt32BE(offset);
    const typeAndData = png.subarray(offset + 4, offset + 8 + length);
    const type = typeAndData.subarray(0, 4).toString('ascii');
    if (zlib.crc32(typeAndData) !== png.readUInt32BE(offset + 8 + length)) throw new Error(`bad CRC on ${type}`);
    const body = typeAndData.subarray(4);
    if (type === 'IHDR') header = body;
    if (type === 'IDAT') data.push(body);
    offset += 12 + length;
    if (type === 'IEND') break;
  }
  if (offset !== png.length) throw new Error('bytes after IEND');
  if (!header) throw new Error('no IHDR');
  const width = header.readUInt32BE(0);
  const height = header.readUInt32BE(4);
  if (header[8] !== 8 || header[9] !== 6 || header[12] !== 0) throw new Error('not 8-bit non-interlaced RGBA');
  const raw = zlib.inflateSync(Buffer.concat(data));
  const rowLength = width * 4;
  if (raw.length !== (rowLength + 1) * height) throw new Error('image data has the wrong length');
  const pixels = Buffer.alloc(rowLength * height);
  for (let row = 0; row < height; row++) {
    const start = row * (rowLength + 1);
    if (raw[start] !== 0) throw new Error(`row ${row} uses filter ${raw[start]}, which this reader does not undo`);
    raw.copy(pixels, row * rowLength, start + 1, start + 1 + rowLength);
  }
  return { width, height, pixels };
}
