import { html } from 'htm/preact';
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

const COLOURS = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2'];

export interface Series {
  label: string;
  values: Array<number | null>;
}

/** A uPlot chart over time (x in seconds since the epoch, every step of it), redrawn when its data changes; `format` writes the y values. */
export function TimeChart(props: { title: string; x: number[]; series: Series[]; testId: string; bars?: boolean; format?: (value: number) => string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (box.current === null) return;
    const options: uPlot.Options = {
      title: props.title,
      width: Math.max(320, box.current.clientWidth),
      height: 240,
      series: [
        {},
        ...props.series.map((series, index) => ({
          label: series.label,
          stroke: COLOURS[index % COLOURS.length],
          width: 2,
          ...(props.bars ? { paths: uPlot.paths.bars!({ size: [0.6, 40] }), fill: `${COLOURS[index % COLOURS.length]}55` } : {}),
        })),
      ],
      axes: [{}, { size: 80, values: (_chart, values) => values.map((value) => (props.format ? props.format(value) : String(value))) }],
    };
    const chart = new uPlot(options, [props.x, ...props.series.map((series) => series.values)], box.current);
    return () => chart.destroy();
  }, [props.title, props.x, props.series, props.bars, props.format]);
  return html`<div class="chart" data-testid=${props.testId} ref=${box}></div>`;
}
