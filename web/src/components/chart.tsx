import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface Series {
  label: string;
  values: (number | null)[];
  color: string;
}

/** A small uPlot line chart over time (seconds); it follows its container's width. */
export function TimeChart({
  title,
  times,
  series,
  unit,
}: {
  title: string;
  times: number[];
  series: Series[];
  unit: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const styles = getComputedStyle(document.documentElement);
    const fg = styles.getPropertyValue('--fg-soft').trim() || '#666';
    const grid = styles.getPropertyValue('--border').trim() || '#ddd';
    const axis = { stroke: fg, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
    const plot = new uPlot(
      {
        width: Math.max(element.clientWidth, 280),
        height: 180,
        series: [
          {},
          ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, points: { show: false } })),
        ],
        axes: [axis, { ...axis, label: unit, labelSize: 16 }],
        scales: { x: { time: true } },
        cursor: { drag: { x: false, y: false } },
      },
      [times, ...series.map((s) => s.values)] as uPlot.AlignedData,
      element,
    );
    const resize = new ResizeObserver(() =>
      plot.setSize({ width: Math.max(element.clientWidth, 280), height: 180 }),
    );
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [times, series, unit]);
  return <figure ref={box} aria-label={title} role="img" style={{ margin: 0 }} />;
}

/** Horizontal bars with their numbers written out (readable without the picture). */
export function Bars({
  rows,
  tone,
}: {
  rows: { label: string; value: number; max: number; note?: string }[];
  tone?: 'bad' | 'warn';
}) {
  return (
    <ul style={{ listStyle: 'none', padding: 0, margin: 0 }}>
      {rows.map((row) => (
        <li key={row.label} style={{ marginBottom: '0.5rem' }}>
          <div className="row" style={{ justifyContent: 'space-between' }}>
            <span>{row.label}</span>
            <span className="muted">{row.note ?? row.value}</span>
          </div>
          <div className="bar-track">
            <div
              className={`bar ${tone ?? ''}`}
              style={{ width: `${Math.min(100, (row.value / Math.max(row.max, 1)) * 100)}%` }}
            />
          </div>
        </li>
      ))}
    </ul>
  );
}
