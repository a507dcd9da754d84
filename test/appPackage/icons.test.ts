import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  COLOR_ICON_FILE,
  COLOR_ICON_SIZE,
  OUTLINE_ICON_FILE,
  OUTLINE_ICON_SIZE,
  drawColorIcon,
  drawOutlineIcon,
  encodePng,
  readPngSize,
} from '../../appPackage/icons';
import { decodePng } from './decodePng';

const APP_PACKAGE_DIR = path.resolve(__dirname, '../../appPackage');

function readCommitted(file: string): Buffer {
  return fs.readFileSync(path.join(APP_PACKAGE_DIR, file));
}

function alphaValues(pixels: Buffer): number[] {
  const values: number[] = [];
  for (let index = 3; index < pixels.length; index += 4) values.push(pixels[index] ?? -1);
  return values;
}

describe('Teams app icons', () => {
  describe('the committed color.png', () => {
    const png = readCommitted(COLOR_ICON_FILE);

    it('is 192x192 according to its IHDR', () => {
      assert.deepEqual(readPngSize(png), { width: COLOR_ICON_SIZE, height: COLOR_ICON_SIZE });
    });

    it('is fully opaque, a full-colour tile', () => {
      assert.ok(alphaValues(decodePng(png).pixels).every((alpha) => alpha === 255));
    });

    it('has the same pixels as icons.ts draws today, so script and file never drift apart', () => {
      assert.ok(decodePng(png).pixels.equals(drawColorIcon().pixels));
    });
  });

  describe('the committed outline.png', () => {
    const png = readCommitted(OUTLINE_ICON_FILE);
    const image = decodePng(png);

    it('is 32x32 according to its IHDR', () => {
      assert.deepEqual(readPngSize(png), { width: OUTLINE_ICON_SIZE, height: OUTLINE_ICON_SIZE });
    });

    it('is white wherever it is not fully transparent', () => {
      for (let index = 0; index < image.pixels.length; index += 4) {
        if (image.pixels[index + 3] === 0) continue;
        assert.deepEqual([...image.pixels.subarray(index, index + 3)], [255, 255, 255], `pixel ${index / 4}`);
      }
    });

    it('has a transparent background and a visible glyph', () => {
      const alphas = alphaValues(image.pixels);
      assert.equal(alphas[0], 0, 'top-left corner');
      assert.ok(alphas.filter((alpha) => alpha === 255).length > 100, 'solid glyph pixels');
      assert.ok(alphas.filter((alpha) => alpha === 0).length > 300, 'transparent pixels');
    });

    it('has the same pixels as icons.ts draws today', () => {
      assert.ok(image.pixels.equals(drawOutlineIcon().pixels));
    });
  });

  describe('encodePng', () => {
    it('round-trips an image through a strict reader', () => {
      const pixels = Buffer.from([255, 0, 0, 255, 0, 255, 0, 128, 0, 0, 255, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
      const image = { width: 3, height: 2, pixels };
      assert.deepEqual(decodePng(encodePng(image)), image);
    });

    it('refuses pixel data of the wrong length', () => {
      assert.throws(() => encodePng({ width: 2, height: 2, pixels: Buffer.alloc(15) }), /expected 16 bytes/);
    });
  });

  describe('readPngSize', () => {
    it('refuses a file that is not a PNG', () => {
      assert.throws(() => readPngSize(Buffer.from('GIF89a, certainly not a PNG file')), /not a PNG/);
    });
  });
});
