// Reads one sample from the Prometheus text that /metrics serves.

/** The value of `name{labels}` (labels as written, e.g. `reason="X"`; none for an unlabelled metric), 0 when absent. */
export function metricValue (text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((row) => row.startsWith(`${name}${labels === '' ? ' ' : `{${labels}} `}`))
  return line === undefined ? 0 : Number(line.split(' ').at(-1))
}
