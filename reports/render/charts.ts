import crypto from 'node:crypto';
import * as echarts from 'echarts';

// Charts drawn on the server as SVG (ECharts SSR: no DOM, no script in the report). The same SVG
// goes inline into the HTML and, as vectors, into the PDF. Inputs are plain numbers and labels
// that the caller has already localized.

export const FONT_FAMILY = 'DejaVu Sans, Verdana, Arial, sans-serif';
export const COLORS = { good: '#1a7f37', bad: '#c62828', warn: '#b26a00', none: '#9e9e9e', sender: '#1f5fa8', recipient: '#5aa0d8', target: '#c62828', text: '#222222' };

export interface ChartSvg {
  svg: string;
  width: number;
  height: number;
}

function render(width: number, height: number, option: echarts.EChartsCoreOption): ChartSvg {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: FONT_FAMILY, color: COLORS.text }, ...option });
    // ECharts names CSS classes after a process-wide instance counter (zr7-cls-0): name them after
    // the content instead, so the same run renders to the same bytes and two charts never clash.
    const classes = new Map<string, number>();
    const numbered = chart.renderToSVGString().replace(/zr\d+-cls-\d+/g, (m) => {
      if (!classes.has(m)) classes.set(m, classes.size);
      return `\u0000${classes.get(m)}`;
    });
    const id = crypto.createHash('sha256').update(numbered).digest('hex').slice(0, 8);
    return { svg: numbered.replace(/\u0000(\d+)/g, `c${id}-$1`), width, height };
  } finally {
    chart.dispose();
  }
}

/** Floored to one decimal like every percentage of the report, so the chart and the tables agree. */
const floorPct = (rate: number): number => Math.floor(rate * 1000 + 1e-9) / 10;
const pctLabel = (v: number | null): string => (v === null ? '' : v.toFixed(1));

/** Grouped bars per country (as sender, as recipient), 0..100 %, with the target as a red line. */
export function ratesByCountryChart(input: {
  countries: string[];
  sender: Array<number | null>;
  recipient: Array<number | null>;
  targetPercent: number;
  labels: { sender: string; recipient: string; target: string; axis: string; noData: string };
}): ChartSvg {
  const bar = (name: string, values: Array<number | null>, color: string) => ({
    name,
    type: 'bar',
    barGap: '10%',
    itemStyle: { color },
    label: { show: true, position: 'top', fontSize: 11, formatter: (p: { value: number | null }) => (p.value === null || p.value === undefined ? input.labels.noData : pctLabel(p.value)) },
    data: values.map((v) => (v === null ? { value: null } : { value: floorPct(v) })),
  });
  return render(Math.max(520, 90 * input.countries.length + 160), 300, {
    legend: { top: 4, data: [input.labels.sender, input.labels.recipient] },
    grid: { left: 56, right: 110, top: 44, bottom: 36 },
    xAxis: { type: 'category', data: input.countries },
    yAxis: { type: 'value', min: 0, max: 100, name: input.labels.axis, nameLocation: 'middle', nameGap: 38, axisLabel: { formatter: '{value}' } },
    series: [
      {
        ...bar(input.labels.sender, input.sender, COLORS.sender),
        markLine: {
          symbol: 'none',
          lineStyle: { color: COLORS.target, type: 'dashed', width: 2 },
          label: { formatter: input.labels.target, color: COLORS.target, position: 'end' },
          data: [{ yAxis: input.targetPercent }],
        },
      },
      bar(input.labels.recipient, input.recipient, COLORS.recipient),
    ],
  });
}

/**
 * A sender x recipient matrix as a heat map. Cells are coloured by meaning, not by a gradient:
 * meets the target (green), misses it (red), no data (grey).
 */
export function pairMatrixChart(input: {
  countries: string[];
  cells: Array<{ sender: string; recipient: string; label: string; met: boolean | null }>;
  labels: { sender: string; recipient: string };
}): ChartSvg {
  const n = input.countries.length;
  const cell = n > 8 ? 52 : 76;
  const idx = new Map(input.countries.map((c, i) => [c, i]));
  return render(cell * n + 130, cell * n + 90, {
    grid: { left: 90, right: 30, top: 40, bottom: 40 },
    xAxis: { type: 'category', data: input.countries, position: 'top', name: input.labels.recipient, nameLocation: 'middle', nameGap: 24, splitArea: { show: false } },
    yAxis: { type: 'category', data: input.countries, inverse: true, name: input.labels.sender, nameLocation: 'middle', nameGap: 56, splitArea: { show: false } },
    // The third value is the cell's class (0 no data, 1 misses, 2 meets); the heat map colours it.
    visualMap: {
      show: false,
      type: 'piecewise',
      dimension: 2,
      pieces: [
        { value: 0, color: COLORS.none },
        { value: 1, color: COLORS.bad },
        { value: 2, color: COLORS.good },
      ],
    },
    series: [
      {
        type: 'heatmap',
        label: { show: true, fontSize: n > 8 ? 9 : 11, color: '#ffffff', formatter: (p: { data: { label: string } }) => p.data.label },
        itemStyle: { borderColor: '#ffffff', borderWidth: 2 },
        data: input.cells.map((c) => ({ value: [idx.get(c.recipient), idx.get(c.sender), c.met === null ? 0 : c.met ? 2 : 1], label: c.label })),
      },
    ],
  });
}

/** Processing time per pair as box plots (min, Q1, median, Q3, max), with baseline and target lines. */
export function timesChart(input: {
  pairs: string[];
  boxes: Array<[number, number, number, number, number] | null>;
  baseline: number | null;
  target: number | null;
  labels: { axis: string; baseline: string; target: string };
}): ChartSvg {
  const lines: Array<Record<string, unknown>> = [];
  if (input.baseline !== null) lines.push({ yAxis: input.baseline, name: input.labels.baseline, lineStyle: { color: COLORS.none, type: 'solid', width: 2 }, label: { formatter: input.labels.baseline, color: '#555555' } });
  if (input.target !== null) lines.push({ yAxis: input.target, name: input.labels.target, lineStyle: { color: COLORS.target, type: 'dashed', width: 2 }, label: { formatter: input.labels.target, color: COLORS.target } });
  return render(Math.max(560, 34 * input.pairs.length + 200), 320, {
    grid: { left: 60, right: 140, top: 24, bottom: 64 },
    xAxis: { type: 'category', data: input.pairs, axisLabel: { rotate: input.pairs.length > 8 ? 45 : 0, fontSize: 10 } },
    yAxis: { type: 'value', min: 0, name: input.labels.axis, nameLocation: 'middle', nameGap: 42 },
    series: [
      {
        type: 'boxplot',
        itemStyle: { color: '#dce9f6', borderColor: COLORS.sender },
        data: input.boxes.map((b) => b ?? [null, null, null, null, null]),
        markLine: lines.length ? { symbol: 'none', data: lines, label: { position: 'end' } } : undefined,
      },
    ],
  });
}
