/**
 * UTF-8 text ↔ bytes for the core (`lib: ES2022` declares neither
 * TextEncoder nor TextDecoder, but every runtime LatentLab targets has them).
 */
declare const TextEncoder: { new (): { encode(text: string): Uint8Array } };
declare const TextDecoder: { new (label?: 'utf-8'): { decode(bytes: Uint8Array): string } };

export const utf8Encode = (text: string): Uint8Array => new TextEncoder().encode(text);
export const utf8Decode = (bytes: Uint8Array): string => new TextDecoder('utf-8').decode(bytes);
