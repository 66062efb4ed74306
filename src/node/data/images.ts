/**
 * Folders of PNG and JPEG images. Layouts, detected from what is there:
 *   folder/cat/001.png, folder/dog/002.jpg, …   one subfolder per class (the names become class names)
 *   folder/001.png, folder/002.png, …           no labels
 *   folder/train/…, folder/test/…               either of the above per split
 * All images must have one size unless `resize` gives [height, width].
 * Grey images (every pixel R = G = B) load as [H, W]; colour as [H, W, 3]
 * (an alpha channel is dropped). Intensities are scaled to [0, 1].
 */
import { closeSync, openSync, readSync, readdirSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { createCanvas, Image, type Canvas } from '@napi-rs/canvas';
import { convertIndexedToRgb, decode as decodePng, type DecodedPng } from 'fast-png';
import { makeDataset, type Dataset, type StreamedDataset } from '../../core/data/dataset.js';
import { DataError } from '../../core/data/errors.js';
import { naturalOrder, printable } from '../../core/util/text.js';
import { readDataFile } from './files.js';
import { UserError } from '../errors.js';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'] as const;


/** True when the file name ends in an image extension this loader reads. */
export function isImageFile(name: string): boolean {
  return (IMAGE_EXTENSIONS as readonly string[]).includes(path.extname(name).toLowerCase());
}

function readFolder(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => !e.name.startsWith('.'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(dir, code === 'EACCES' || code === 'EPERM' ? 'cannot be read (permission denied)' : printable((e as Error).message));
  }
}

/** True when the folder holds image files or class subfolders of them (a quick look, for detecting the format). */
export function looksLikeImageFolder(dir: string): boolean {
  const entries = readFolder(dir);
  if (entries.some((e) => e.isFile() && isImageFile(e.name))) return true;
  return entries.some((e) => e.isDirectory() && readFolder(path.join(dir, e.name)).some((f) => (f.isFile() && isImageFile(f.name)) || f.isDirectory()));
}

export interface ImageListing {
  /** The folder listed (examples are named by their path inside it). */
  readonly root: string;
  /** Image files in a stable order (class folders in natural order, files in natural order within each). */
  readonly files: readonly string[];
  /** Each file's class folder, when the folder has class subfolders. */
  readonly classOf?: readonly string[];
}

/** The images of one folder: class subfolders of images, or images directly in it. */
export function listImages(dir: string): ImageListing {
  const entries = readFolder(dir);
  const images = entries.filter((e) => e.isFile() && isImageFile(e.name)).map((e) => e.name).sort(naturalOrder);
  const folders = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort(naturalOrder);
  if (images.length && folders.length) {
    throw new DataError(dir, `holds both image files (${printable(images[0], 60)}) and subfolders (${printable(folders[0], 60)}/); put every image in a class subfolder, or remove the subfolders`);
  }
  if (images.length) return { root: dir, files: images.map((f) => path.join(dir, f)) };
  if (!folders.length) throw new DataError(dir, `no PNG or JPEG images (${IMAGE_EXTENSIONS.join(', ')}) and no class subfolders of them`);
  const files: string[] = [];
  const classOf: string[] = [];
  for (const folder of folders) {
    const sub = path.join(dir, folder);
    const inner = readFolder(sub);
    const nested = inner.find((e) => e.isDirectory());
    if (nested) throw new DataError(path.join(sub, nested.name), 'a folder inside a class folder; images must sit directly in their class folder (one level of subfolders)');
    const found = inner.filter((e) => e.isFile() && isImageFile(e.name)).map((e) => e.name).sort(naturalOrder);
    if (!found.length) throw new DataError(sub, `class folder holds no PNG or JPEG images (${IMAGE_EXTENSIONS.join(', ')})`);
    for (const f of found) {
      files.push(path.join(sub, f));
      classOf.push(folder);
    }
  }
  return { root: dir, files, classOf };
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const startsWith = (bytes: Uint8Array, magic: readonly number[]) => magic.every((b, i) => bytes[i] === b);

/**
 * A PNG's chunks, checked: each one's length fits the file and its CRC
 * matches, and the last is IEND. (The decoder reads the header first and
 * would draw a truncated or damaged file as a partly blank image.)
 */
function checkPng(bytes: Uint8Array, file: string): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = PNG_MAGIC.length;
  while (at < bytes.length) {
    if (at + 12 > bytes.length) throw new DataError(file, `a truncated PNG: it ends inside a chunk (byte ${at} of ${bytes.length})`);
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const end = at + 12 + length;
    if (end > bytes.length) throw new DataError(file, `a truncated PNG: its ${printable(type, 8)} chunk needs ${length} bytes, ${Math.max(0, bytes.length - at - 12)} are left`);
    if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== view.getUint32(at + 8 + length)) {
      throw new DataError(file, `a damaged PNG: the checksum of its ${printable(type, 8)} chunk (at byte ${at}) does not match`);
    }
    if (type === 'IEND') return;
    at = end;
  }
  throw new DataError(file, 'a truncated PNG: it has no IEND chunk');
}

/** A JPEG ends with its EOI marker (FF D9), perhaps followed by padding; a truncated one does not. */
function checkJpeg(bytes: Uint8Array, file: string): void {
  let end = bytes.length;
  while (end > 2 && (bytes[end - 1] === 0 || bytes[end - 1] === 0x0a || bytes[end - 1] === 0x0d)) end--;
  if (end < 4 || bytes[end - 2] !== 0xff || bytes[end - 1] !== 0xd9) throw new DataError(file, 'a truncated JPEG: it does not end with the end-of-image marker (FF D9)');
}

/** Reads and checks one PNG or JPEG file: its bytes and which it is; errors name the file. */
function readImageFile(file: string): { bytes: Uint8Array; png: boolean } {
  const bytes = readDataFile(file, { gunzip: false });
  const png = startsWith(bytes, PNG_MAGIC);
  if (!png && !startsWith(bytes, [0xff, 0xd8, 0xff])) {
    throw new DataError(file, bytes.length === 0 ? 'an empty file, not an image' : 'not a PNG or JPEG image (its first bytes are neither)');
  }
  if (png) checkPng(bytes, file);
  else checkJpeg(bytes, file);
  return { bytes, png };
}

/** Decodes one PNG or JPEG file (or its `bytes`, already read and checked) with the canvas, synchronously, into `image` (reused: a new Image per file holds its memory until the event loop runs). */
function decode(file: string, image = new Image(), bytes = readImageFile(file).bytes): Image {
  // Decoding failures are reported through onerror, after this call; the size tells at once.
  image.onerror = () => {};
  image.src = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!image.width || !image.height) throw new DataError(file, 'a damaged image: it could not be decoded');
  return image;
}

/** An image's pixels as RGB bytes, row-major [height, width, 3]. */
interface Pixels { readonly width: number; readonly height: number; readonly rgb: Uint8Array }

/**
 * 8- and 16-bit PNGs (grey, grey + alpha, RGB, RGBA, or with a palette)
 * decoded by fast-png: plain JavaScript memory, so decoding thousands of
 * files in one synchronous loop keeps the memory of one (the canvas's native
 * images are freed only when the event loop runs), and faster than the
 * canvas (198 against 264 µs for a 64×64 colour PNG). Other PNGs (grey of 1,
 * 2 or 4 bits, or any fast-png refuses) return null and go through the canvas. Alpha is dropped and
 * the stored colours kept (as PIL's convert('RGB') does); the canvas, which
 * scales images for --resize, shows fully transparent pixels as black.
 */
function decodePngPixels(bytes: Uint8Array): Pixels | null {
  let png: DecodedPng;
  try {
    png = decodePng(bytes);
  } catch {
    return null;   // the canvas decodes it, or names the file as damaged
  }
  const { width, height } = png;
  let data: ArrayLike<number> = png.data;
  let channels = png.channels;
  if (png.palette) {
    data = convertIndexedToRgb(png);
    channels = png.palette[0].length;
  } else if (png.depth !== 8 && png.depth !== 16) return null;
  const shift = !png.palette && png.depth === 16 ? 8 : 0;
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    for (let c = 0; c < 3; c++) rgb[3 * p + c] = data[p * channels + (channels >= 3 ? c : 0)] >> shift;
  }
  return { width, height, rgb };
}

/**
 * Pixels of image files as RGB bytes, scaled to `size` when given: PNGs of
 * that size through fast-png (decodePngPixels), everything else (JPEG, a
 * scaled image) drawn with one reused canvas and image.
 */
class PixelReader {
  private readonly image = new Image();
  private canvas?: Canvas;

  constructor(private readonly size?: readonly [number, number]) {}

  read(file: string): Pixels {
    const { bytes, png } = readImageFile(file);
    if (png) {
      const pixels = decodePngPixels(bytes);
      if (pixels && (!this.size || (pixels.height === this.size[0] && pixels.width === this.size[1]))) return pixels;
    }
    const image = decode(file, this.image, bytes);   // the bytes already read and checked
    const [height, width] = this.size ?? [image.height, image.width];
    if (!this.canvas || this.canvas.width !== width || this.canvas.height !== height) this.canvas = createCanvas(width, height);
    const ctx = this.canvas!.getContext('2d');
    ctx.clearRect(0, 0, width, height);
    ctx.drawImage(image, 0, 0, width, height);
    const rgba = ctx.getImageData(0, 0, width, height).data;
    const rgb = new Uint8Array(width * height * 3);
    for (let p = 0; p < width * height; p++) for (let c = 0; c < 3; c++) rgb[3 * p + c] = rgba[4 * p + c];
    return { width, height, rgb };
  }
}

export interface DecodeOptions {
  /** Scale every image to [height, width] (otherwise all must have one size). */
  readonly resize?: readonly [number, number];
  /** Called now and then with (decoded, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Decoded images: RGB bytes [n, H, W, 3] and whether every pixel is grey. */
export interface DecodedImages {
  readonly height: number;
  readonly width: number;
  readonly rgb: Uint8Array;
  readonly grey: boolean;
}

/** Decodes the files into one RGB array, checking sizes. */
export function decodeImages(files: readonly string[], { resize, onProgress }: DecodeOptions = {}): DecodedImages {
  if (!files.length) throw new Error('decodeImages: no files');
  const reader = new PixelReader(resize);
  const first = reader.read(files[0]);
  const [height, width] = [first.height, first.width];
  const pixels = height * width;
  if (files.length * pixels * 3 > 2 ** 31 - 1) {
    throw new DataError(path.dirname(files[0]), `${files.length} images of ${height}×${width} pixels are more than one array can hold; use --resize to load them smaller`);
  }
  const rgb = new Uint8Array(files.length * pixels * 3);
  let grey = true;
  for (let i = 0; i < files.length; i++) {
    const image = i === 0 ? first : reader.read(files[i]);
    if (image.height !== height || image.width !== width) {
      throw new DataError(files[i], `${image.height}×${image.width} pixels (height×width), but ${files[0]} is ${height}×${width}; all images must have one size, or give --resize HxW to scale them`);
    }
    rgb.set(image.rgb, i * pixels * 3);
    if (grey) for (let p = 0; p < pixels && grey; p++) grey = image.rgb[3 * p] === image.rgb[3 * p + 1] && image.rgb[3 * p + 1] === image.rgb[3 * p + 2];
    if (onProgress && (i % 500 === 499 || i === files.length - 1)) onProgress(i + 1, files.length);
  }
  return { height, width, rgb, grey };
}

/** Intensities in [0, 1]: [n, H, W] for grey images, [n, H, W, 3] for colour. */
export function imageValues({ height, width, rgb, grey }: DecodedImages): { shape: number[]; x: Float32Array } {
  if (!grey) {
    // A loop, not Float32Array.from(rgb, f): that builds a list of every value first (1.9 GB at its peak for 295 MB of images).
    const x = new Float32Array(rgb.length);
    for (let i = 0; i < x.length; i++) x[i] = rgb[i] / 255;
    return { shape: [height, width, 3], x };
  }
  const x = new Float32Array(rgb.length / 3);
  for (let i = 0; i < x.length; i++) x[i] = rgb[3 * i] / 255;
  return { shape: [height, width], x };
}

type NamedListing = { readonly name: string; readonly listing: ImageListing };

/**
 * The class folders' names across all listings, in natural order (one
 * numbering for every split), and each listing's labels by it; the listings
 * must all have class folders or none.
 */
function listingClasses(listings: readonly NamedListing[]): { classNames?: string[]; labelsOf: (listing: ImageListing) => Int32Array | undefined } {
  const labelled = listings.filter((l) => l.listing.classOf);
  if (labelled.length && labelled.length !== listings.length) {
    const [has, lacks] = [labelled[0], listings.find((l) => !l.listing.classOf)!];
    throw new DataError(lacks.name, `images without class folders, but ${has.name} has class folders; use class folders in both or in neither`);
  }
  if (!labelled.length) return { labelsOf: () => undefined };
  const classNames = [...new Set(listings.flatMap((l) => l.listing.classOf!))].sort(naturalOrder);
  const index = new Map(classNames.map((c, k) => [c, k]));
  return { classNames, labelsOf: (listing) => Int32Array.from(listing.classOf!, (c) => index.get(c)!) };
}

/** Each image's name: its path inside the listed folder, '/'-separated. */
const exampleNames = (listing: ImageListing): string[] => listing.files.map((f) => path.relative(listing.root, f).split(path.sep).join('/'));

/**
 * Loads image listings as datasets with a shared class numbering (the
 * class folders' names across all listings, in natural order) and a shared
 * grey/colour decision (colour when any image of any split is).
 */
export function loadImageListings(listings: readonly NamedListing[], options: DecodeOptions = {}): Dataset[] {
  const { classNames, labelsOf } = listingClasses(listings);
  const all = listings.flatMap((l) => l.listing.files);
  const total = all.length;
  let done = 0;
  const decoded = listings.map(({ listing }) => {
    const d = decodeImages(listing.files, { ...options, onProgress: options.onProgress && ((n) => options.onProgress!(done + n, total)) });
    done += listing.files.length;
    return d;
  });
  // One size for every split: the first split's, unless resized.
  for (let i = 1; i < decoded.length; i++) {
    if (decoded[i].height !== decoded[0].height || decoded[i].width !== decoded[0].width) {
      const a = listings[0].listing.files[0], b = listings[i].listing.files[0];
      throw new DataError(b, `${decoded[i].height}×${decoded[i].width} pixels (height×width), but ${a} is ${decoded[0].height}×${decoded[0].width}; all images must have one size, or give --resize HxW to scale them`);
    }
  }
  const grey = decoded.every((d) => d.grey);
  return listings.map(({ name, listing }, i) => {
    const { shape, x } = imageValues({ ...decoded[i], grey });
    return makeDataset(name, shape, x, labelsOf(listing), { values: 'unit', classNames, names: exampleNames(listing) });
  });
}

/** Width, height and whether an image is colour, from its header alone (PNG IHDR, JPEG SOF); errors name the file. */
export function imageHeader(file: string): { width: number; height: number; colour: boolean } {
  let fd: number | undefined;
  const head = new Uint8Array(65536);
  let length = 0;
  try {
    fd = openSync(file, 'r');
    length = readSync(fd, head, 0, head.length, 0);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(file, code === 'EACCES' || code === 'EPERM' ? 'cannot be read (permission denied)' : printable((e as Error).message));
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  const bytes = head.subarray(0, length);
  const view = new DataView(bytes.buffer, 0, length);
  if (startsWith(bytes, PNG_MAGIC)) {
    if (length < 26 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') throw new DataError(file, 'a damaged PNG: no IHDR header');
    return { width: view.getUint32(16), height: view.getUint32(20), colour: bytes[25] === 2 || bytes[25] === 3 || bytes[25] === 6 };
  }
  if (!startsWith(bytes, [0xff, 0xd8, 0xff])) throw new DataError(file, length ? 'not a PNG or JPEG image (its first bytes are neither)' : 'an empty file, not an image');
  // JPEG: walk the markers to the frame header (SOF0–SOF15, not DHT C4, JPG C8, DAC CC).
  let at = 2;
  while (at + 9 < length) {
    if (bytes[at] !== 0xff) break;
    const marker = bytes[at + 1];
    if (marker === 0xff) { at++; continue; }
    const size = view.getUint16(at + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: view.getUint16(at + 5), width: view.getUint16(at + 7), colour: bytes[at + 9] >= 3 };
    }
    at += 2 + size;
  }
  // The frame header lies beyond the first 64 KB (a large embedded thumbnail): decode it.
  const image = decode(file);
  return { width: image.width, height: image.height, colour: true };
}

/** The default of `streamBytes`: 768 MB. */
export const STREAM_BYTES = 768 * 2 ** 20;

/**
 * Bytes above which an image folder is read batch by batch instead of held
 * as float32 in memory: LATENTLAB_STREAM_MB (megabytes, 0 streams every
 * folder) when set, else 768 MB.
 */
export function streamBytes(): number {
  const set = process.env.LATENTLAB_STREAM_MB;
  if (set === undefined || set === '') return STREAM_BYTES;
  const mb = Number(set);
  if (!Number.isFinite(mb) || mb < 0) throw new UserError(`LATENTLAB_STREAM_MB: expected a number of megabytes ≥ 0, got ${JSON.stringify(set.slice(0, 40))}`);
  return mb * 2 ** 20;
}

/**
 * Image listings as datasets that decode each batch from disk when it is
 * read. Sizes and colour are checked from every file's header first (colour
 * when any header says so); a file that fails to decode later is an error
 * naming it.
 */
export function streamImageListings(listings: readonly NamedListing[], { resize }: DecodeOptions = {}): StreamedDataset[] {
  const { classNames, labelsOf } = listingClasses(listings);
  const first = listings[0].listing.files[0];
  const firstHeader = imageHeader(first);
  let colour = false;
  for (const { listing } of listings) {
    for (const file of listing.files) {
      const h = file === first ? firstHeader : imageHeader(file);
      if (!resize && (h.height !== firstHeader.height || h.width !== firstHeader.width)) {
        throw new DataError(file, `${h.height}×${h.width} pixels (height×width), but ${first} is ${firstHeader.height}×${firstHeader.width}; all images must have one size, or give --resize HxW to scale them`);
      }
      colour ||= h.colour;
    }
  }
  const [height, width] = resize ?? [firstHeader.height, firstHeader.width];
  const channels = colour ? 3 : 1;
  const reader = new PixelReader(resize);
  const pixels = height * width;
  return listings.map(({ name, listing }) => {
    const labels = labelsOf(listing);
    const base = makeDataset(name, colour ? [height, width, 3] : [height, width], new Float32Array(pixels * channels), undefined, {});
    const read = (indices: ArrayLike<number>, into?: Float32Array): Float32Array => {
      const out = into ?? new Float32Array(indices.length * pixels * channels);
      for (let k = 0; k < indices.length; k++) {
        const file = listing.files[indices[k]];
        const { rgb, ...size } = reader.read(file);
        if (size.height !== height || size.width !== width) throw new DataError(file, `${size.height}×${size.width} pixels when decoded, but its header said ${height}×${width}`);
        const at = k * pixels * channels;
        if (colour) for (let j = 0; j < pixels * 3; j++) out[at + j] = rgb[j] / 255;
        else for (let p = 0; p < pixels; p++) out[at + p] = rgb[3 * p] / 255;
      }
      return out;
    };
    return {
      name, size: listing.files.length, shape: base.shape, dim: base.dim, labels, numClasses: labels ? labels.reduce((m, l) => Math.max(m, l), -1) + 1 : undefined,
      values: 'unit', classNames, names: exampleNames(listing),
      streamed: true, read,
    } satisfies StreamedDataset;
  });
}
