/**
 * Binary frame decoder (layout in docs/protocol.md): uint32 LE header length, JSON
 * header, zero padding to 4 bytes, then float32 arrays wrapped without copying.
 */

const decoder = new TextDecoder();

/** ArrayBuffer -> {header, arrays: {name: Float32Array}} with `shape` on each array. */
export function decodeFrame(buffer) {
  const length = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(decoder.decode(new Uint8Array(buffer, 4, length)));
  const start = 4 + length + ((4 - ((4 + length) % 4)) % 4);
  const arrays = {};
  for (const spec of header.arrays) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const view = new Float32Array(buffer, start + spec.offset, count);
    view.shape = spec.shape;
    arrays[spec.name] = view;
  }
  return { header, arrays };
}
