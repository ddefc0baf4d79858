"""The report page's stylesheet (inlined by ``render``): a light, compact, print-friendly design."""

CSS = """
:root { --ink: #0f172a; --muted: #64748b; --line: #e2e8f0; --bg: #f8fafc; --accent: #2563eb; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink);
       font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { background: var(--ink); color: #f8fafc; padding: 20px 32px 16px; }
header h1 { margin: 0 0 10px; font-size: 22px; font-weight: 650; letter-spacing: -0.01em; }
header dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0;
            font-size: 13px; }
header dt { color: #94a3b8; }
header dd { margin: 0; font-variant-numeric: tabular-nums; }
nav { position: sticky; top: 0; z-index: 5; background: #ffffffee;
      border-bottom: 1px solid var(--line); padding: 8px 32px; display: flex; gap: 16px;
      font-size: 13px; }
nav a { color: var(--accent); text-decoration: none; font-weight: 600; }
main { padding: 8px 32px 40px; max-width: 1400px; }
h2 { font-size: 18px; margin: 28px 0 8px; }
h3 { font-size: 13px; font-weight: 600; color: var(--muted); margin: 14px 0 4px;
     text-transform: uppercase; letter-spacing: 0.04em; }
section.book, section.summary-section { background: #fff; border: 1px solid var(--line);
     border-radius: 10px; padding: 4px 20px 16px; margin-top: 20px; }
.note { color: var(--muted); font-size: 13px; margin: 4px 0 8px; }
code { font-size: 12px; background: #f1f5f9; padding: 1px 4px; border-radius: 4px; }
table { border-collapse: collapse; font-size: 13px; margin: 6px 0; }
th { text-align: right; font-weight: 600; color: var(--muted); padding: 6px 10px;
     border-bottom: 2px solid var(--line); white-space: nowrap; }
th:first-child { text-align: left; }
td { padding: 5px 10px; border-bottom: 1px solid var(--line); white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.summary tbody tr:hover, table.episodes tbody tr:hover { background: #f1f5f9; }
table.summary td:first-child { font-weight: 600; }
.summary-section { overflow-x: auto; }
.chips { display: flex; flex-wrap: wrap; gap: 8px; margin: 4px 0 8px; }
.chips div { border: 1px solid var(--line); border-radius: 8px; padding: 4px 12px;
              min-width: 96px; }
.chips span { display: block; font-size: 11px; color: var(--muted); text-transform: uppercase;
              letter-spacing: 0.04em; }
.chips b { font-size: 16px; font-variant-numeric: tabular-nums; }
.pair { display: grid; grid-template-columns: 1fr 1fr; gap: 20px; }
@media (max-width: 900px) { .pair { grid-template-columns: 1fr; } }
.chart { width: 100%; }
details { margin: 6px 0; }
summary { cursor: pointer; color: var(--accent); font-size: 13px; }
@media print { nav { display: none; } section.book { break-inside: avoid; } }
"""
