// The report's one stylesheet, inlined: system fonts only, light and dark colours
// (prefers-color-scheme), A4 print rules. No url(), no @import.
enum ReportStyle {
  static let css = """

    :root { color-scheme: light dark;
      --bg: #ffffff; --fg: #1b1f24; --muted: #5b6470; --card: #f4f6f9; --border: #d5dae1; --grid: #e4e8ed;
      --accent: #2563c9; --heat: #1f5fbf; --on-heat: #ffffff; --up: #1a7f37; --down: #c4314b; --band: #e07b39;
      --high: #c4314b; --medium: #b7791f; --low: #2563c9; }
    @media (prefers-color-scheme: dark) { :root {
      --bg: #111418; --fg: #e6e9ee; --muted: #9aa4b1; --card: #1a1f26; --border: #303842; --grid: #262d36;
      --accent: #6ea0ff; --heat: #5b93ff; --on-heat: #0b0e12; --up: #4ac26b; --down: #ff7b8a; --band: #f0a060;
      --high: #ff7b8a; --medium: #e3b341; --low: #6ea0ff; } }
    * { box-sizing: border-box; }
    body { margin: 0 auto; max-width: 1000px; padding: 24px; background: var(--bg); color: var(--fg);
      font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
    h1 { font-size: 24px; margin: 0 0 4px; } h1 .slug { font-size: 14px; color: var(--muted); font-weight: normal; }
    h2 { font-size: 18px; margin: 32px 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--border); }
    h3 { font-size: 15px; margin: 16px 0 8px; } h4 { margin: 2px 0 6px; font-size: 14px; }
    .meta, .note, figcaption, caption .source, .insight-meta { color: var(--muted); font-size: 12px; }
    nav ul { list-style: none; padding: 0; margin: 8px 0 0; display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 13px; }
    a { color: var(--accent); }
    code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; }
    .cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 10px; }
    .card { background: var(--card); border: 1px solid var(--border); border-radius: 8px; padding: 10px 12px; break-inside: avoid; }
    .kpi-label { margin: 0; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
    .kpi-value { margin: 2px 0; font-size: 22px; font-weight: 600; font-variant-numeric: tabular-nums; }
    .kpi-change { margin: 0; font-size: 12px; } .kpi-change .prev { color: var(--muted); }
    .up { color: var(--up); } .down { color: var(--down); } .flat, .none { color: var(--muted); }
    svg { display: block; max-width: 100%; height: auto; }
    svg text { fill: var(--fg); font-size: 12px; font-family: inherit; }
    svg .tick, svg .axis-label { fill: var(--muted); font-size: 11px; }
    svg .cell { font-size: 11px; font-variant-numeric: tabular-nums; } svg .cell.small { font-size: 10px; }
    svg .on-heat { fill: var(--on-heat); }
    .spark { width: 100%; margin-top: 6px; } .spark-line { fill: none; stroke: var(--accent); stroke-width: 1.6; }
    .spark-none { margin: 6px 0 0; font-size: 11px; color: var(--muted); }
    .bar { fill: var(--accent); } .heat { fill: var(--heat); } .heat-none { fill: var(--card); stroke: var(--border); }
    .heat-stop { stop-color: var(--heat); } .legend-bar { stroke: var(--border); }
    .axis { stroke: var(--muted); stroke-width: 1; } .grid { stroke: var(--grid); stroke-width: 1; }
    .threshold { stroke: var(--down); stroke-dasharray: 3 3; }
    .series { fill: none; stroke: var(--accent); stroke-width: 2; } .band { fill: var(--band); fill-opacity: .25; }
    .mark { fill: none; stroke: var(--down); stroke-width: 2; } .mark-line { stroke: var(--fg); stroke-width: 2; }
    figure { margin: 12px 0; }
    .table-wrap { overflow-x: auto; margin: 8px 0 16px; }
    table.data { border-collapse: collapse; width: 100%; font-size: 12px; font-variant-numeric: tabular-nums; }
    table.data caption { text-align: left; font-weight: 600; padding: 4px 0; }
    table.data th, table.data td { border-bottom: 1px solid var(--border); padding: 3px 6px; text-align: left; vertical-align: top; }
    table.data thead th { background: var(--card); font-weight: 600; }
    table.data td.num, table.data[data-layout] td { text-align: right; white-space: nowrap; } table.data th.num { text-align: right; } table.data td.null { color: var(--muted); text-align: center; } table.data[data-layout] td.null { text-align: right; }
    .empty { background: var(--card); border: 1px dashed var(--border); border-radius: 6px; padding: 10px 12px; color: var(--muted); }
    .alerts { padding-left: 20px; color: var(--down); }
    .priority .count { display: inline-block; min-width: 22px; padding: 0 6px; border-radius: 10px; background: var(--card);
      border: 1px solid var(--border); font-size: 12px; text-align: center; }
    .priority.high { color: var(--high); } .priority.medium { color: var(--medium); } .priority.low { color: var(--low); }
    .insight-cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(280px, 1fr)); gap: 10px; }
    .insight { background: var(--card); border: 1px solid var(--border); border-left: 4px solid var(--low); border-radius: 6px;
      padding: 8px 12px; break-inside: avoid; }
    .insight.high { border-left-color: var(--high); } .insight.medium { border-left-color: var(--medium); }
    .insight p { margin: 4px 0; } .insight .action { font-weight: 500; }
    details.long summary { cursor: pointer; color: var(--muted); font-size: 12px; }
    footer { margin-top: 32px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--border); }
    @page { size: A4; margin: 12mm; }
    @media print {
      :root { --bg: #ffffff; --fg: #000000; --muted: #444c56; --card: #f4f6f9; --border: #c0c7d0; --grid: #e4e8ed;
        --accent: #2563c9; --heat: #1f5fbf; --on-heat: #ffffff; --up: #1a7f37; --down: #c4314b; --band: #e07b39; }
      body { max-width: none; padding: 0; font-size: 11px; }
      table.data { font-size: 9px; } table.data th, table.data td { padding: 2px 3px; }
      table.data th { overflow-wrap: anywhere; } table.data td.num { white-space: normal; }
      nav { display: none; }
      section { break-before: auto; } h2 { break-after: avoid; }
      figure, .card, .insight, table.data tr { break-inside: avoid; }
      .table-wrap { overflow: visible; }
      
    }

    """
}
