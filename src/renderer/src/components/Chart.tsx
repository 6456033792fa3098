/**
 * Small charts (AG Charts community v14) in the console's look: a bar chart of labelled counts and
 * a line chart of one or more series over periods. A chart is a picture of numbers that are also
 * shown as text next to it (counts, exact amounts); it is never the only place a figure appears.
 *
 * The value axis says what the numbers are (`ValueAxis`): its title is the unit ("IDR", "payouts",
 * "%") and its ticks are round values formatted as the page formats them (chart-axis.ts).
 *
 * Money: a chart needs a number to draw a bar's height. `plotAmount` turns minor units into an
 * approximate major-unit number for the geometry only; no figure shown is derived from it. The
 * money axis's ticks are chosen in bigint minor units from the exact amounts and labelled with
 * money(); tooltips come from the exact decimal string kept in the datum.
 *
 * Colours come from CSS variables (--chart-1 … --chart-6, --ink, --muted, --line, --panel), read
 * when the chart is drawn and again when the page's colour scheme changes, so dark mode applies.
 */
import {
  AgCharts,
  AllCommunityModule,
  ModuleRegistry,
  type AgCartesianChartOptions,
  type AgChartInstance,
  type AgChartOptions,
} from 'ag-charts-community';
import { useEffect, useMemo, useRef, useState } from 'react';
import { count, money } from '../format';
import { countTicks, moneyTicks, percentTicks, type Ticks } from './chart-axis';

export { plotAmount } from './chart-axis';

ModuleRegistry.registerModules([AllCommunityModule]);

const BASE: Partial<AgCartesianChartOptions> = {
  // AG Charts defaults to at least 300×300 px, which would spill over whatever sits below a small
  // chart (and take its clicks): the container decides the size.
  minHeight: 80,
  minWidth: 160,
  background: { visible: false },
  // Room on both sides so the first and last x labels (centred under their points; a date is some
  // 70 px wide) stay inside: on the left the value axis's labels give it, on the right this does.
  padding: { top: 8, right: 40, bottom: 4, left: 8 },
  legend: { enabled: false },
};

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
  ticks,
}: {
  options: AgChartOptions;
  height?: number | string;
  testId?: string;
  label: string;
  /** The value axis, named in the page's text for assistive technology and tests. */
  ticks?: Ticks;
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
    <div
      className="chart"
      style={{ height }}
      data-testid={testId}
      data-axis-unit={ticks?.title}
      data-axis-ticks={ticks?.values.map((v) => ticks.label(v)).join('|')}
      role="figure"
      aria-label={
        ticks
          ? `${label}; values in ${ticks.title}, from ${ticks.label(ticks.min)} to ${ticks.label(ticks.max)}`
          : label
      }
    >
      <div ref={container} style={{ height: '100%', width: '100%' }} />
    </div>
  );
}

/** The chart colours of the page's current look (CSS variables on the root element). */
export interface ChartColours {
  ink: string;
  muted: string;
  line: string;
  panel: string;
  /** --chart-1 … --chart-6, the series colours in order. */
  series: string[];
  /** Any `var(--name)` as the page has it now (a colour given as a variable by a caller). */
  resolve(colour: string): string;
}

const FALLBACK = '#677085';

function readColours(): ChartColours {
  const style = getComputedStyle(document.documentElement);
  const read = (name: string) => style.getPropertyValue(name).trim() || FALLBACK;
  return {
    ink: read('--ink'),
    muted: read('--muted'),
    line: read('--line'),
    panel: read('--panel'),
    series: [1, 2, 3, 4, 5, 6].map((i) => read(`--chart-${i}`)),
    resolve: (colour) => {
      const v = /^var\((--[\w-]+)\)$/.exec(colour.trim());
      return v ? read(v[1]!) : colour;
    },
  };
}

const signature = (c: ChartColours) => [c.ink, c.muted, c.line, c.panel, ...c.series].join();

/**
 * The colours, read again when the OS colour scheme changes or an attribute of the root element or
 * the body changes (a class, a style or a data attribute is how a dark-mode toggle switches the
 * variables), so the charts follow.
 */
export function useChartColours(): ChartColours {
  const [colours, setColours] = useState(readColours);
  useEffect(() => {
    const refresh = () =>
      setColours((was) => {
        const now = readColours();
        return signature(now) === signature(was) ? was : now;
      });
    const scheme = window.matchMedia?.('(prefers-color-scheme: dark)');
    scheme?.addEventListener('change', refresh);
    const observer = new MutationObserver(refresh);
    for (const el of [document.documentElement, document.body])
      observer.observe(el, { attributes: true });
    return () => {
      scheme?.removeEventListener('change', refresh);
      observer.disconnect();
    };
  }, []);
  return colours;
}

/**
 * What the values are, for the value axis's ticks and title:
 * - money: amounts of one currency; `minor` gives a datum's exact minor units for a value key (the
 *   plotted number is approximate). Ticks are money() labels of round minor-unit values, the
 *   tooltip is the exact amount.
 * - count: whole numbers of `unit` ("payouts", "batches"), grouped.
 * - percent: rates from 0 to 100, ticks "80 %".
 */
export type ValueAxis<T> =
  | { kind: 'money'; currency: string; minor(datum: T, yKey: keyof T & string): string }
  | { kind: 'count'; unit: string }
  | { kind: 'percent' };

function ticksFor<T extends object>(
  axis: ValueAxis<T>,
  data: T[],
  yKeys: (keyof T & string)[],
): Ticks {
  if (axis.kind === 'money')
    return moneyTicks(
      data.flatMap((d) => yKeys.map((k) => axis.minor(d, k))),
      axis.currency,
    );
  if (axis.kind === 'count')
    return countTicks(
      data.flatMap((d) => yKeys.map((k) => Number(d[k]))),
      axis.unit,
    );
  return percentTicks();
}

/** The tooltip's text for a value: the exact amount, a grouped count or a rate. */
function valueText<T extends object>(axis: ValueAxis<T>, datum: T, yKey: keyof T & string): string {
  if (axis.kind === 'money') return money(axis.minor(datum, yKey), axis.currency);
  if (axis.kind === 'count') return count(Number(datum[yKey]));
  return `${String(datum[yKey])} %`;
}

function valueAxisOptions(ticks: Ticks, colours: ChartColours, position: 'left' | 'bottom') {
  return {
    type: 'number' as const,
    position,
    min: ticks.min,
    max: ticks.max,
    nice: false,
    interval: { values: ticks.values },
    label: {
      fontSize: 11,
      color: colours.muted,
      formatter: (p: { value: number }) => ticks.label(p.value),
    },
    title: { enabled: true, text: ticks.title, fontSize: 11, color: colours.muted },
    line: { stroke: colours.line },
    gridLine: { style: [{ stroke: colours.line }] },
  };
}

function categoryAxisOptions(colours: ChartColours, position: 'left' | 'bottom') {
  return {
    type: 'category' as const,
    position,
    // Labels that do not fit are rotated, then thinned, never cut at the chart's edge.
    label: { fontSize: 11, color: colours.ink, autoRotate: true, avoidCollisions: true },
    line: { stroke: colours.line },
  };
}

export type BarChartProps<T extends object> = {
  data: T[];
  /** The category (x) key and the value (y) key of each datum. */
  xKey: keyof T & string;
  yKey: keyof T & string;
  yName?: string;
  axis: ValueAxis<T>;
  /** The tooltip's text for a datum (default: the value as the axis formats it). */
  tooltip?(datum: T): string;
  /** A click on a bar (e.g. go to the batches of that status). */
  onSelect?(datum: T): void;
  horizontal?: boolean;
  /** One colour per bar (by category; a `var(--name)` is read from the page), or one for all. */
  colorOf?(datum: T, index: number): string;
  height?: number | string;
  testId?: string;
  label: string;
};

/** A bar chart of labelled values: counts by status, rates by provider. */
export function BarChart<T extends object>({
  data,
  xKey,
  yKey,
  yName,
  axis,
  tooltip,
  onSelect,
  horizontal,
  colorOf,
  height,
  testId,
  label,
}: BarChartProps<T>) {
  const colours = useChartColours();
  const ticks = useMemo(() => ticksFor(axis, data, [yKey]), [axis, data, yKey]);
  const options = useMemo<AgCartesianChartOptions>(() => {
    return {
      ...BASE,
      data,
      series: [
        {
          type: 'bar',
          xKey,
          yKey,
          yName: yName ?? yKey,
          direction: horizontal ? 'horizontal' : 'vertical',
          cornerRadius: 2,
          fill: colours.series[0],
          ...(colorOf
            ? {
                itemStyler: (p: { datum: T; datumIndex?: unknown }) => ({
                  fill: colours.resolve(
                    colorOf(
                      p.datum,
                      typeof p.datumIndex === 'number' ? p.datumIndex : data.indexOf(p.datum),
                    ),
                  ),
                }),
              }
            : {}),
          tooltip: {
            renderer: (p: { datum: T }) => ({
              heading: String(p.datum[xKey]),
              data: [
                {
                  label: yName ?? yKey,
                  value: tooltip ? tooltip(p.datum) : valueText(axis, p.datum, yKey),
                },
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
        x: categoryAxisOptions(colours, horizontal ? 'left' : 'bottom'),
        y: valueAxisOptions(ticks, colours, horizontal ? 'bottom' : 'left'),
      },
    };
  }, [data, xKey, yKey, yName, axis, tooltip, onSelect, horizontal, colorOf, colours, ticks]);
  return <Chart options={options} height={height} testId={testId} label={label} ticks={ticks} />;
}

export interface LineSeries<T> {
  yKey: keyof T & string;
  yName: string;
  /** A colour or a `var(--name)`; default: --chart-1, --chart-2, … in order. */
  color?: string;
}

export type LineChartProps<T extends object> = {
  data: T[];
  xKey: keyof T & string;
  series: LineSeries<T>[];
  axis: ValueAxis<T>;
  /**
   * Periods not covered whole (cut by the report's period, or still running): drawn on a hatched
   * band with hollow markers, so a short period does not read as a dip.
   */
  partial?(datum: T): boolean;
  height?: number | string;
  testId?: string;
  label: string;
};

/** A line chart of one or more series over ordered periods (days, weeks, months). */
export function LineChart<T extends object>({
  data,
  xKey,
  series,
  axis,
  partial,
  height,
  testId,
  label,
}: LineChartProps<T>) {
  const colours = useChartColours();
  const ticks = useMemo(
    () =>
      ticksFor(
        axis,
        data,
        series.map((s) => s.yKey),
      ),
    [axis, data, series],
  );
  const options = useMemo<AgCartesianChartOptions>(() => {
    const colourOf = (s: LineSeries<T>, i: number) =>
      colours.resolve(s.color ?? colours.series[i % colours.series.length]!);
    const cut = partial ? data.filter(partial).map((d) => d[xKey]) : [];
    return {
      ...BASE,
      // Room above the plot for the partial periods' labels.
      ...(cut.length > 0 ? { padding: { top: 20, right: 40, bottom: 4, left: 8 } } : {}),
      legend: {
        enabled: series.length > 1,
        position: 'bottom',
        item: { label: { color: colours.ink } },
      },
      data,
      series: series.map((s, i) => ({
        type: 'line' as const,
        xKey,
        yKey: s.yKey,
        yName: s.yName,
        stroke: colourOf(s, i),
        marker: {
          enabled: data.length <= 60 || cut.length > 0,
          size: 5,
          fill: colourOf(s, i),
          stroke: colourOf(s, i),
          // A partial period's point is hollow: the same value, visibly not a whole period's.
          ...(partial
            ? {
                itemStyler: (p: { datum: T }) =>
                  partial(p.datum)
                    ? { fill: colours.panel, stroke: colourOf(s, i), strokeWidth: 2, size: 7 }
                    : {},
              }
            : {}),
        },
        tooltip: {
          renderer: (p: { datum: T }) => ({
            heading: `${String(p.datum[xKey])}${partial?.(p.datum) ? ' (partial period)' : ''}`,
            data: [{ label: s.yName, value: valueText(axis, p.datum, s.yKey) }],
          }),
        },
      })),
      axes: {
        x: {
          ...categoryAxisOptions(colours, 'bottom'),
          // Each partial period on a light band of its own, labelled.
          crossLines: cut.map((x) => ({
            type: 'range' as const,
            range: [x, x] as [unknown, unknown],
            fill: colours.muted,
            fillOpacity: 0.12,
            strokeWidth: 0,
            // Above the plot (not inside, where a point's marker may sit on it).
            label: {
              text: 'partial',
              position: 'top' as const,
              fontSize: 10,
              color: colours.muted,
            },
          })),
        },
        y: valueAxisOptions(ticks, colours, 'left'),
      },
    } as AgCartesianChartOptions;
  }, [data, xKey, series, axis, partial, colours, ticks]);
  return <Chart options={options} height={height} testId={testId} label={label} ticks={ticks} />;
}
