/**
 * Small charts (AG Charts community v14) in the console's look: a bar chart of labelled counts and
 * a line chart of one or more series over periods. A chart is a picture of numbers that are also
 * shown as text next to it (counts, exact amounts); it is never the only place a figure appears.
 *
 * Money: a chart needs a number to draw a bar's height. `plotAmount` turns minor units into an
 * approximate major-unit number for the geometry only, so an amount chart (`amounts`) shows no
 * figure derived from it: its value axis keeps its gridlines but has no labels, and its tooltips
 * are required and come from the exact decimal string kept in the datum. The exact figures
 * themselves are printed next to the chart.
 */
import {
  AgCharts,
  AllCommunityModule,
  ModuleRegistry,
  type AgCartesianChartOptions,
  type AgChartInstance,
  type AgChartOptions,
} from 'ag-charts-community';
import { useEffect, useMemo, useRef } from 'react';
import { formatAmount } from '../../../core/host/bridge/contract';
import { cssColor, useColorScheme, type ColorScheme } from './theme';

ModuleRegistry.registerModules([AllCommunityModule]);

const INTEGER = new Intl.NumberFormat('en-US');
/**
 * Series colours are the page's --chart-1..6 (and --muted), read when a chart is drawn: a canvas
 * does not understand var(). Charts redraw when the colour scheme changes (useColorScheme), so
 * these are read again then. A caller's colour may be a literal or a `var(--name)`.
 */
const PALETTE = [
  '--chart-1',
  '--chart-2',
  '--chart-3',
  '--chart-4',
  '--chart-5',
  '--chart-6',
  '--muted',
];
const palette = (i: number) => cssColor(PALETTE[i % PALETTE.length]!);

/** AG Charts' own theme for the scheme (axis labels, legend, tooltips), under our colours. */
function chartLook(scheme: ColorScheme): Partial<AgCartesianChartOptions> {
  return {
    theme: scheme === 'dark' ? 'ag-default-dark' : 'ag-default',
  };
}

const BASE: Partial<AgCartesianChartOptions> = {
  // AG Charts defaults to at least 300×300 px, which would spill over whatever sits below a small
  // chart (and take its clicks): the container decides the size.
  minHeight: 80,
  minWidth: 160,
  background: { visible: false },
  padding: { top: 8, right: 12, bottom: 4, left: 4 },
  legend: { enabled: false },
};

/**
 * Minor units → an approximate number of major units, for drawing only (bar heights, line points).
 * Never display it: show `money(minor, currency)` instead.
 */
export function plotAmount(minor: string, currency: string): number {
  // The exact decimal string first (no float arithmetic on minor units); only its conversion to a
  // drawing coordinate is approximate.
  return Number(formatAmount(BigInt(minor), currency));
}

/**
 * Charts are created one per task. Creating an AG Chart, with the first layout it runs in the
 * microtasks that follow, takes 10–50 ms; the Reports view's charts, created together in one React
 * commit (as ag-charts-react does, in a layout effect), held the page for over 100 ms (bench:views'
 * page part). Here each waits its turn and is created in a task of its own, so the page answers
 * input between them.
 */
const turns: (() => void)[] = [];
let turning = false;
let warmed = false;

/**
 * AG Charts' first chart of a page's life pays its one-time setup (option machinery, theme, the
 * code's first runs): over 100 ms on its own. It is paid by a small chart of the same kind, drawn
 * off-screen in a turn of its own and thrown away, so no task carries it together with a real
 * chart.
 */
function warmUp(): void {
  const box = document.createElement('div');
  box.setAttribute('aria-hidden', 'true');
  box.style.cssText =
    'position:absolute;left:-10000px;top:0;width:320px;height:160px;visibility:hidden';
  document.body.appendChild(box);
  const chart = AgCharts.create({
    ...BASE,
    container: box,
    data: [
      { x: 'a', y: 1 },
      { x: 'b', y: 2 },
    ],
    series: [{ type: 'bar', xKey: 'x', yKey: 'y' }],
  } as AgChartOptions);
  // Its first layout runs in the microtasks after this turn; removed in a later turn.
  setTimeout(() => {
    chart.destroy();
    box.remove();
  }, 0);
}

function inTurn(create: () => void): () => void {
  let cancelled = false;
  if (!warmed) {
    warmed = true;
    turns.push(warmUp);
  }
  turns.push(() => {
    if (!cancelled) create();
  });
  if (!turning) {
    turning = true;
    setTimeout(nextTurn, 0);
  }
  return () => {
    cancelled = true;
  };
}

function nextTurn(): void {
  turns.shift()?.();
  if (turns.length > 0) setTimeout(nextTurn, 0);
  else turning = false;
}

/** Any AG Charts options, sized by its container. */
export function Chart({
  options,
  height = 180,
  testId,
  label,
}: {
  options: AgChartOptions;
  height?: number | string;
  testId?: string;
  label: string;
}) {
  const container = useRef<HTMLDivElement>(null);
  const chart = useRef<AgChartInstance | null>(null);
  // The options the chart is created with when its turn comes (kept current by the effect below).
  const latest = useRef(options);
  useEffect(() => {
    const cancel = inTurn(() => {
      if (container.current)
        chart.current = AgCharts.create({ ...latest.current, container: container.current });
    });
    return () => {
      cancel();
      chart.current?.destroy();
      chart.current = null;
    };
  }, []);
  // Later options update the chart in place (before its turn, the turn takes the latest).
  useEffect(() => {
    latest.current = options;
    if (chart.current && container.current)
      chart.current
        .update({ ...options, container: container.current })
        .catch((e: unknown) => console.error(e));
  }, [options]);
  return (
    <div className="chart" style={{ height }} data-testid={testId} role="figure" aria-label={label}>
      <div ref={container} style={{ height: '100%', width: '100%' }} />
    </div>
  );
}

/**
 * What the plotted values are. Amounts (`plotAmount` numbers, approximate): the value axis has no
 * labels and the tooltip text is required, so no approximate figure ever reaches the operator — not
 * through an axis tick nor through the tooltip's fallback of the plotted value. Plain numbers
 * (counts, rates): the value is its own text, so the tooltip may fall back to it.
 */
type ValueText<Args extends unknown[]> =
  | { amounts: true; tooltip(...args: Args): string }
  | { amounts?: false; tooltip?(...args: Args): string };

/** The value axis: no labels for amounts (gridlines only); whole numbers only for counts. */
function valueAxisLabel(amounts: boolean | undefined, integers?: boolean) {
  if (amounts) return { enabled: false };
  return {
    fontSize: 11,
    ...(integers
      ? {
          formatter: (p: { value: number }) =>
            Number.isInteger(p.value) ? INTEGER.format(p.value) : '',
        }
      : {}),
  };
}

export type BarChartProps<T extends object> = ValueText<[datum: T]> & {
  data: T[];
  /** The category (x) key and the value (y) key of each datum. */
  xKey: keyof T & string;
  yKey: keyof T & string;
  yName?: string;
  /** A click on a bar (e.g. go to the batches of that status). */
  onSelect?(datum: T): void;
  horizontal?: boolean;
  /** Values are counts: the value axis shows whole numbers only (no "0.5 batches"). */
  integers?: boolean;
  /** One colour per bar (by category), or one for all. */
  colorOf?(datum: T, index: number): string;
  height?: number | string;
  testId?: string;
  label: string;
};

/** A bar chart of labelled values: counts by status, amounts by currency. */
export function BarChart<T extends object>({
  data,
  xKey,
  yKey,
  yName,
  amounts,
  tooltip,
  onSelect,
  horizontal,
  integers,
  colorOf,
  height,
  testId,
  label,
}: BarChartProps<T>) {
  const scheme = useColorScheme();
  const options = useMemo<AgCartesianChartOptions>(
    () => ({
      ...BASE,
      ...chartLook(scheme),
      data,
      series: [
        {
          type: 'bar',
          xKey,
          yKey,
          yName: yName ?? yKey,
          direction: horizontal ? 'horizontal' : 'vertical',
          cornerRadius: 2,
          fill: palette(0),
          ...(colorOf
            ? {
                itemStyler: (p: { datum: T; datumIndex?: unknown }) => ({
                  fill: cssColor(
                    colorOf(
                      p.datum,
                      typeof p.datumIndex === 'number' ? p.datumIndex : data.indexOf(p.datum),
                    ),
                  ),
                }),
              }
            : {}),
          // The fallback shows the plotted value: only plain numbers get there (amounts must pass
          // `tooltip`).
          tooltip: {
            renderer: (p: { datum: T }) => ({
              heading: String(p.datum[xKey]),
              data: [
                { label: yName ?? yKey, value: tooltip ? tooltip(p.datum) : String(p.datum[yKey]) },
              ],
            }),
          },
          ...(onSelect
            ? {
                listeners: { seriesNodeClick: (e: { datum: T }) => onSelect(e.datum) },
                cursor: 'pointer',
              }
            : {}),
        },
      ],
      axes: {
        x: { type: 'category', position: horizontal ? 'left' : 'bottom', label: { fontSize: 11 } },
        y: {
          type: 'number',
          position: horizontal ? 'bottom' : 'left',
          label: valueAxisLabel(amounts, integers),
          gridLine: { style: [{ stroke: cssColor('--line') }] },
        },
      },
    }),
    [data, xKey, yKey, yName, amounts, tooltip, onSelect, horizontal, integers, colorOf, scheme],
  );
  return <Chart options={options} height={height} testId={testId} label={label} />;
}

export interface LineSeries<T> {
  yKey: keyof T & string;
  yName: string;
  color?: string;
}

/**
 * `tooltip` gives the text for a datum's value of one series (e.g. the exact amount kept next to
 * it).
 */
export type LineChartProps<T extends object> = ValueText<[datum: T, yKey: keyof T & string]> & {
  data: T[];
  xKey: keyof T & string;
  series: LineSeries<T>[];
  height?: number | string;
  testId?: string;
  label: string;
};

/** A line chart of one or more series over ordered periods (days, weeks, months). */
export function LineChart<T extends object>({
  data,
  xKey,
  series,
  amounts,
  tooltip,
  height,
  testId,
  label,
}: LineChartProps<T>) {
  const scheme = useColorScheme();
  const options = useMemo<AgCartesianChartOptions>(
    () => ({
      ...BASE,
      ...chartLook(scheme),
      legend: { enabled: series.length > 1, position: 'bottom' },
      data,
      series: series.map((s, i) => ({
        type: 'line' as const,
        xKey,
        yKey: s.yKey,
        yName: s.yName,
        stroke: s.color ? cssColor(s.color) : palette(i),
        marker: {
          enabled: data.length <= 60,
          size: 5,
          fill: s.color ? cssColor(s.color) : palette(i),
        },
        // As in BarChart: the fallback is reached by plain numbers only.
        tooltip: {
          renderer: (p: { datum: T }) => ({
            heading: String(p.datum[xKey]),
            data: [
              {
                label: s.yName,
                value: tooltip ? tooltip(p.datum, s.yKey) : String(p.datum[s.yKey]),
              },
            ],
          }),
        },
      })),
      axes: {
        x: { type: 'category', position: 'bottom', label: { fontSize: 11 } },
        y: {
          type: 'number',
          position: 'left',
          label: valueAxisLabel(amounts),
          gridLine: { style: [{ stroke: cssColor('--line') }] },
        },
      },
    }),
    [data, xKey, series, amounts, tooltip, scheme],
  );
  return <Chart options={options} height={height} testId={testId} label={label} />;
}
