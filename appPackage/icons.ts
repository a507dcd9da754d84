/**
 * Draws the two Teams app icons and writes them beside this file (`npx tsx appPackage/icons.ts`).
 * Teams wants a 192x192 full-colour icon and a 32x32 outline icon that is white on a transparent background
 * (https://learn.microsoft.com/microsoftteams/platform/concepts/build-and-test/apps-package#app-icons).
 * The glyph, a person with a minus badge, is drawn from shapes with 4x4 supersampling, so it stays crisp at 32 px.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

export const COLOR_ICON_SIZE = 192;
export const OUTLINE_ICON_SIZE = 32;
/** The colour icon's background; the manifest's `accentColor` uses the same value. */
export const ACCENT_COLOR = '#4A5BB5';
export const COLOR_ICON_FILE = 'color.png';
export const OUTLINE_ICON_FILE = 'outline.png';

const SUPERSAMPLING = 4;

export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  /** width * height * 4 bytes, rows top to bottom. */
  readonly pixels: Buffer;
}

/** Full-bleed accent background (Teams rounds the corners itself) with the glyph in white in the middle. */
export function drawColorIcon(): RgbaImage {
  const size = COLOR_ICON_SIZE;
  const [red, green, blue] = parseHexColor(ACCENT_COLOR);
  const glyphBox = { left: 42, top: 42, size: 108 };
  return drawImage(size, (x, y) => {
    const coverage = glyphCoverage((x - glyphBox.left) / glyphBox.size, (y - glyphBox.top) / glyphBox.size, 1 / glyphBox.size);
    const mix = (channel: number) => Math.round(channel + (255 - channel) * coverage);
    return [mix(red), mix(green), mix(blue), 255];
  });
}

/** White glyph, transparent elsewhere; anti-aliased edges only change alpha, never the colour. */
export function drawOutlineIcon(): RgbaImage {
  const size = OUTLINE_ICON_SIZE;
  const glyphBox = { left: 1, top: 1, size: 30 };
  return drawImage(size, (x, y) => {
    const coverage = glyphCoverage((x - glyphBox.left) / glyphBox.size, (y - glyphBox.top) / glyphBox.size, 1 / glyphBox.size);
    return [255, 255, 255, Math.round(255 * coverage)];
  });
}

/** A minimal PNG writer: 8-bit RGBA, no interlace, filter type 0 on every row (https://www.w3.org/TR/png-3/). */
export function encodePng(image: RgbaImage): Buffer {
  const { width, height, pixels } = image;
  if (pixels.length !== width * height * 4) throw new RangeError(`expected ${width * height * 4} bytes of RGBA, got ${pixels.length}`);
  const rowLength = width * 4;
  const raw = Buffer.alloc((rowLength + 1) * height);
  for (let row = 0; row < height; row++) pixels.copy(raw, row * (rowLength + 1) + 1, row * rowLength, (row + 1) * rowLength);

  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // bit depth 8, colour type 6 (RGBA), deflate, adaptive filtering, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Width and height from a PNG's IHDR chunk; throws on anything that is not a PNG. */
export function readPngSize(png: Buffer): { width: number; height: number } {
  const signature = '89504e470d0a1a0a';
  if (png.length < 24 || png.subarray(0, 8).toString('hex') !== signature || png.subarray(12, 16).toString('ascii') !== 'IHDR') {
    throw new RangeError('not a PNG file (no signature and IHDR chunk)');
  }
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Renders both icons and writes them into `directory`; returns the paths written. */
export function writeIcons(directory: string): string[] {
  const written: string[] = [];
  for (const [file, image] of [
    [COLOR_ICON_FILE, drawColorIcon()],
    [OUTLINE_ICON_FILE, drawOutlineIcon()],
  ] as const) {
    const target = path.join(directory, file);
    fs.writeFileSync(target, encodePng(image));
    written.push(target);
  }
  return written;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

function drawImage(size: number, shade: (x: number, y: number) => readonly number[]): RgbaImage {
  const pixels = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) pixels.set(shade(x, y), (y * size + x) * 4);
  }
  return { width: size, height: size, pixels };
}

/**
 * Share of the pixel whose top-left corner is (u, v) in glyph units (the glyph spans 0..1) that the glyph covers.
 * `step` is one pixel in glyph units.
 */
function glyphCoverage(u: number, v: number, step: number): number {
  let inside = 0;
  for (let sy = 0; sy < SUPERSAMPLING; sy++) {
    for (let sx = 0; sx < SUPERSAMPLING; sx++) {
      if (isGlyph(u + ((sx + 0.5) / SUPERSAMPLING) * step, v + ((sy + 0.5) / SUPERSAMPLING) * step)) inside++;
    }
  }
  return inside / (SUPERSAMPLING * SUPERSAMPLING);
}

const HEAD = { x: 0.4, y: 0.27, r: 0.2 };
const SHOULDERS = { x: 0.4, y: 1.02, r: 0.4, bottom: 0.9 };
const BADGE = { x: 0.76, y: 0.72, r: 0.22, gap: 0.07 };
const MINUS = { halfWidth: 0.12, halfHeight: 0.04 };

function isGlyph(u: number, v: number): boolean {
  const inBadge = within(u, v, BADGE.x, BADGE.y, BADGE.r);
  if (inBadge) return !(Math.abs(u - BADGE.x) <= MINUS.halfWidth && Math.abs(v - BADGE.y) <= MINUS.halfHeight);
  if (within(u, v, BADGE.x, BADGE.y, BADGE.r + BADGE.gap)) return false;
  const inHead = within(u, v, HEAD.x, HEAD.y, HEAD.r);
  const inShoulders = v <= SHOULDERS.bottom && within(u, v, SHOULDERS.x, SHOULDERS.y, SHOULDERS.r);
  return inHead || inShoulders;
}

function within(u: number, v: number, x: number, y: number, r: number): boolean {
  return (u - x) ** 2 + (v - y) ** 2 <= r * r;
}

function parseHexColor(hex: string): [number, number, number] {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) throw new RangeError(`not a #rrggbb colour: "${hex}"`);
  return [parseInt(match[1], 16), parseInt(match[2], 16), parseInt(match[3], 16)];
}

if (require.main === module) {
  for (const written of writeIcons(__dirname)) process.stdout.write(`wrote ${path.relative(process.cwd(), written)}\n`);
}
