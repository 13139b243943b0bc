import type { StageReport } from '../bench.types';

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * A horizontal bar chart of throughput by stage (events, requests or patient-months per second) as
 * plain SVG, generated from the measurements. Log scale: the stages span four orders of magnitude.
 * Baselines are drawn grey beside the CareLedger bar of their stage.
 */
export function renderThroughputSvg(stages: readonly StageReport[], title: string): string {
  const bars = stages.flatMap((s) =>
    s.throughput.map((t, i) => ({
      label: `${s.stage}: ${t.label}`,
      value: t.perSecond,
      baseline: i > 0 && !/careledger/i.test(t.label),
    })),
  );
  const width = 900;
  const left = 330;
  const barH = 18;
  const gap = 8;
  const top = 50;
  const height = top + Math.max(1, bars.length) * (barH + gap) + 40;
  const max = Math.max(10, ...bars.map((b) => b.value));
  const decades = Math.ceil(Math.log10(max));
  const scale = (v: number): number => (v <= 1 ? 0 : (Math.log10(v) / decades) * (width - left - 90));
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`,
    `<text x="${width / 2}" y="38" text-anchor="middle" fill="#555">per second, log scale; grey = baseline measured in the same run</text>`,
  ];
  for (let d = 0; d <= decades; d++) {
    const x = left + scale(10 ** d);
    out.push(`<line x1="${x}" y1="${top - 4}" x2="${x}" y2="${height - 30}" stroke="#e3e3e3"/>`);
    out.push(
      `<text x="${x}" y="${height - 14}" text-anchor="middle" fill="#777">${(10 ** d).toLocaleString('en-US')}</text>`,
    );
  }
  bars.forEach((b, i) => {
    const y = top + i * (barH + gap);
    const w = Math.max(1, scale(b.value));
    out.push(`<text x="${left - 8}" y="${y + barH - 5}" text-anchor="end">${esc(b.label)}</text>`);
    out.push(
      `<rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${b.baseline ? '#b0b0b0' : '#2f6fb2'}"/>`,
    );
    out.push(`<text x="${left + w + 6}" y="${y + barH - 5}">${b.value.toLocaleString('en-US')}</text>`);
  });
  if (bars.length === 0) out.push(`<text x="${left}" y="${top + 14}">no stage produced a throughput</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
