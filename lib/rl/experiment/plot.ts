import sharp from "sharp";
import type { ConditionSummary } from "./metrics.js";

const COLOURS = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02"];

export interface PlotOptions {
  readonly title: string;
  readonly width?: number;
  readonly height?: number;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Success rate vs training rollouts: the mean over seeds as a line, the range across seeds as a band.
 * Written as SVG by hand because it is a handful of lines and text; sharp (librsvg) turns it into a PNG
 * without a browser.
 */
export function successPlotSvg(summaries: readonly ConditionSummary[], options: PlotOptions): string {
  const W = options.width ?? 800;
  const H = options.height ?? 500;
  const m = { left: 70, right: 170, top: 50, bottom: 60 };
  const pw = W - m.left - m.right;
  const ph = H - m.top - m.bottom;
  const maxX = Math.max(1, ...summaries.flatMap((s) => s.meanCurve.map((p) => p.rollouts)));
  const x = (v: number): number => m.left + (v / maxX) * pw;
  const y = (v: number): number => m.top + (1 - v) * ph;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="DejaVu Sans, sans-serif" font-size="13">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${m.left + pw / 2}" y="28" text-anchor="middle" font-size="16">${escapeXml(options.title)}</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const v = i / 5;
    parts.push(
      `<line x1="${m.left}" x2="${m.left + pw}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`,
      `<text x="${m.left - 8}" y="${y(v) + 4}" text-anchor="end">${Math.round(v * 100)}%</text>`,
    );
  }
  const step = niceStep(maxX / 6);
  for (let v = 0; v <= maxX + 1e-9; v += step) {
    parts.push(
      `<line x1="${x(v)}" x2="${x(v)}" y1="${m.top + ph}" y2="${m.top + ph + 5}" stroke="#333"/>`,
      `<text x="${x(v)}" y="${m.top + ph + 20}" text-anchor="middle">${v}</text>`,
    );
  }
  parts.push(
    `<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`,
    `<text x="${m.left + pw / 2}" y="${H - 15}" text-anchor="middle">training rollouts</text>`,
    `<text transform="translate(20 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">success rate (eval)</text>`,
  );
  summaries.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const upper = s.maxCurve.map((p) => `${x(p.rollouts)},${y(p.successRate)}`);
    const lower = [...s.minCurve].reverse().map((p) => `${x(p.rollouts)},${y(p.successRate)}`);
    parts.push(`<polygon points="${[...upper, ...lower].join(" ")}" fill="${colour}" fill-opacity="0.15"/>`);
    const line = s.meanCurve.map((p) => `${x(p.rollouts)},${y(p.successRate)}`).join(" ");
    parts.push(`<polyline points="${line}" fill="none" stroke="${colour}" stroke-width="2.5"/>`);
    const ly = m.top + 20 + i * 22;
    parts.push(
      `<line x1="${m.left + pw + 15}" x2="${m.left + pw + 40}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="3"/>`,
      `<text x="${m.left + pw + 46}" y="${ly + 4}">${escapeXml(s.condition)} (n=${s.seeds})</text>`,
    );
  });
  parts.push("</svg>");
  return parts.join("\n");
}

function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-9)));
  for (const k of [1, 2, 5, 10]) if (k * p >= raw) return k * p;
  return 10 * p;
}

export async function writeSuccessPlot(
  path: string,
  summaries: readonly ConditionSummary[],
  options: PlotOptions,
): Promise<void> {
  await sharp(Buffer.from(successPlotSvg(summaries, options)))
    .png()
    .toFile(path);
}
