import sharp from "sharp";

export interface ProgressTrace {
  readonly label: string;
  readonly predicted: readonly number[];
  readonly truth: readonly number[];
}

const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];

const escape = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/** Predicted (solid) vs true (dashed) progress over normalised episode time, one colour per episode. */
export function progressSvg(
  title: string,
  traces: readonly ProgressTrace[],
  width = 640,
  height = 400,
): string {
  const m = { left: 48, right: 170, top: 32, bottom: 36 };
  const w = width - m.left - m.right;
  const h = height - m.top - m.bottom;
  const x = (i: number, n: number) => m.left + (n > 1 ? (i / (n - 1)) * w : 0);
  const y = (p: number) => m.top + (1 - Math.min(1, Math.max(0, p))) * h;
  const line = (values: readonly number[]) =>
    values.map((p, i) => `${x(i, values.length).toFixed(1)},${y(p).toFixed(1)}`).join(" ");
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${m.left}" y="20" font-family="sans-serif" font-size="14">${escape(title)}</text>`,
    `<rect x="${m.left}" y="${m.top}" width="${w}" height="${h}" fill="none" stroke="#888"/>`,
  ];
  for (const p of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(
      `<line x1="${m.left}" x2="${m.left + w}" y1="${y(p)}" y2="${y(p)}" stroke="#ddd"/>`,
      `<text x="${m.left - 6}" y="${y(p) + 4}" font-family="sans-serif" font-size="11" text-anchor="end">${p}</text>`,
    );
  }
  parts.push(
    `<text x="${m.left + w / 2}" y="${height - 8}" font-family="sans-serif" font-size="11" text-anchor="middle">episode time (normalised); solid = predicted Φ, dashed = true progress</text>`,
  );
  traces.forEach((t, k) => {
    const c = COLOURS[k % COLOURS.length];
    parts.push(
      `<polyline fill="none" stroke="${c}" stroke-width="1.5" stroke-dasharray="5,4" points="${line(t.truth)}"/>`,
      `<polyline fill="none" stroke="${c}" stroke-width="2" points="${line(t.predicted)}"/>`,
      `<text x="${m.left + w + 10}" y="${m.top + 14 + k * 16}" font-family="sans-serif" font-size="11" fill="${c}">${escape(t.label)}</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n");
}

/** Renders the SVG to PNG with sharp (librsvg inside libvips). */
export async function writeProgressPng(
  path: string,
  title: string,
  traces: readonly ProgressTrace[],
): Promise<void> {
  await sharp(Buffer.from(progressSvg(title, traces)))
    .png()
    .toFile(path);
}
