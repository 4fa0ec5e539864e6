// A plain-text table for the CLI's list commands: columns padded to their widest cell, two spaces apart,
// the last column left as it is (it holds the long text: a reason, a state).

export function renderTable(header: string[], rows: string[][]): string {
  const widths = header.map((_, column) => Math.max(...[header, ...rows].map((row) => row[column]!.length)));
  return [header, ...rows]
    .map((row) =>
      row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  '),
    )
    .join('\n');
}
