// The varplane live dashboard: plain DOM, SVG and uPlot, fed by server-sent events.
// Every value from the server goes through textContent or SVG attributes, never through HTML.
(() => {
  const PALETTE = [
    '#8b9cff',
    '#34d399',
    '#fbbf24',
    '#f472b6',
    '#60a5fa',
    '#c084fc',
    '#fb923c',
    '#2dd4bf',
  ];
  const STATE_COLOR = {
    running: '#34d399',
    starting: '#fbbf24',
    restarting: '#fbbf24',
    crashed: '#f87171',
    stopped: '#5b6478',
    unknown: '#5b6478',
  };
  const MAX_POINTS = 300;
  const SVG = 'http://www.w3.org/2000/svg';

  let state = null;
  let points = [];
  let trials = [];
  const charts = new Map();
  let optimizerPlot = null;

  const $ = (id) => document.getElementById(id);

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') el.className = value;
      else if (key === 'text') el.textContent = value;
      else el.setAttribute(key, String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return el;
  }

  function s(tag, attrs) {
    const el = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attrs || {})) el.setAttribute(key, String(value));
    return el;
  }

  // Formatting
  function num(x, digits = 1) {
    if (x === null || x === undefined || Number.isNaN(x)) return '–';
    const abs = Math.abs(x);
    if (abs >= 1e9) return `${(x / 1e9).toFixed(digits)}G`;
    if (abs >= 1e6) return `${(x / 1e6).toFixed(digits)}M`;
    if (abs >= 1e4) return `${(x / 1e3).toFixed(digits)}k`;
    if (Number.isInteger(x)) return String(x);
    return x.toFixed(abs < 1 ? 3 : digits);
  }
  const pct = (x) => (x === null || x === undefined ? '–' : `${Math.round(x * 100)}%`);
  const money = (x) => (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(4));
  function clock(at) {
    const d = new Date(at);
    const pad = (n) => String(n).padStart(2, '0');
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }

  function setConn(kind, text) {
    $('conn').dataset.state = kind;
    $('conn-text').textContent = text;
  }

  // Header and KPIs
  function renderHeader() {
    const space = state.space;
    $('space-name').textContent = space ? space.name : state.title;
    const parts = [];
    if (space) {
      if (space.name !== space.id) parts.push(space.id);
      parts.push(`v${space.version}`, `${space.topology} topology`);
    }
    parts.push(`window ${num(state.collectionIntervalMs / 1000)} s`);
    if (state.window) parts.push(`#${state.window.sequence} at ${clock(state.window.at)}`);
    $('space-meta').textContent = parts.join(' · ');
    document.title = `${space ? space.name : state.title} · varplane`;
  }

  function kpi(id, value, hint, tone) {
    $(`kpi-${id}`).textContent = value;
    const card = $(`kpi-${id}`).parentElement;
    if (tone) card.dataset.tone = tone;
    else delete card.dataset.tone;
    if (hint !== undefined) {
      const hintEl = card.querySelector('.hint');
      if (hintEl) hintEl.textContent = hint;
    }
  }

  function renderKpis() {
    const w = state.window;
    const agents = state.agents;
    const running = agents.filter((a) => a.state === 'running').length;
    const backlog = agents.reduce((sum, a) => sum + a.mailboxDepth, 0);
    const tokens = agents.reduce((sum, a) => sum + a.tokens, 0);
    const cost = agents.reduce((sum, a) => sum + a.cost, 0);
    const critical = state.alerts.filter((a) => a.level === 'critical').length;
    const warning = state.alerts.filter((a) => a.level === 'warning').length;
    const score = w ? w.aggregatePerformance : null;
    kpi(
      'score',
      pct(score),
      w ? `comm. efficiency ${pct(w.communicationEfficiency)}` : 'no window yet',
      score === null ? null : score < 0.5 ? 'crit' : score < 0.8 ? 'warn' : 'ok',
    );
    kpi(
      'rate',
      w ? num(w.messagesPerSecond) : '–',
      w ? `adaptations ok ${pct(w.adaptationSuccessRate)}` : '',
    );
    kpi(
      'agents',
      `${running} / ${agents.length}`,
      `${agents.filter((a) => a.state === 'crashed').length} crashed`,
      running < agents.length ? 'warn' : null,
    );
    const deepest = agents.reduce(
      (best, a) => (best === null || a.mailboxDepth > best.mailboxDepth ? a : best),
      null,
    );
    kpi(
      'backlog',
      num(backlog, 0),
      deepest && deepest.mailboxDepth > 0
        ? `deepest: ${deepest.id} (${deepest.mailboxDepth})`
        : 'all mailboxes empty',
    );
    $('kpi-tokens').textContent = num(tokens, 1);
    $('kpi-cost').textContent = `cost ${money(cost)}`;
    kpi(
      'alerts',
      String(critical + warning),
      `${critical} critical · ${warning} warning`,
      critical > 0 ? 'crit' : warning > 0 ? 'warn' : 'ok',
    );
  }

  // Supervision tree
  function treeNode(node) {
    const status = node.status;
    const restarts = h(
      'span',
      { class: 'restarts', 'data-hot': node.restarts > 0, title: 'restarts' },
      `↻ ${node.restarts}`,
    );
    const kind =
      node.kind === 'supervisor'
        ? `supervisor · ${node.strategy || ''}`
        : node.behaviour || node.kind;
    const box = h(
      'span',
      { class: 'node', 'data-status': status, title: status },
      h('span', { class: 'status-dot', 'data-status': status }),
      h('span', { class: 'name', text: node.id }),
      h('span', { class: 'kind', text: kind }),
      restarts,
    );
    const li = h(
      'li',
      { 'data-node': node.id, 'data-status': status, 'data-restarts': node.restarts },
      box,
    );
    const children = node.children || [];
    if (children.length > 0) li.append(h('ul', {}, ...children.map(treeNode)));
    return li;
  }

  function renderTree() {
    let root = state.tree;
    if (!root) {
      // Without a runtime snapshot, the space itself is the root and its agents the leaves.
      root = {
        id: state.space ? state.space.id : 'space',
        kind: 'supervisor',
        strategy: 'space',
        status: 'running',
        restarts: 0,
        children: state.agents.map((a) => ({
          id: a.id,
          kind: 'worker',
          behaviour: a.behaviour,
          status: a.state,
          restarts: a.restarts,
        })),
      };
    }
    $('tree').replaceChildren(h('ul', {}, treeNode(root)));
  }

  // Agents table
  function renderAgents() {
    const tbody = $('agents').querySelector('tbody');
    if (state.agents.length === 0) {
      tbody.replaceChildren(
        h('tr', {}, h('td', { colspan: 11, class: 'empty', text: 'No agents yet.' })),
      );
      return;
    }
    const maxDepth = Math.max(10, ...state.agents.map((a) => a.mailboxDepth));
    const rows = state.agents.map((a) => {
      const share = a.mailboxDepth / maxDepth;
      const level = a.mailboxDepth >= 100 ? 'crit' : a.mailboxDepth >= 20 ? 'warn' : 'ok';
      const bar = h(
        'span',
        { class: 'bar', 'data-level': level },
        h('span', { style: `width:${Math.round(share * 100)}%` }),
      );
      const cell = (field, text, extra) =>
        h('td', { class: 'num', 'data-field': field, ...extra }, text);
      return h(
        'tr',
        { 'data-agent': a.id, 'data-state': a.state },
        h(
          'td',
          { class: 'agent', 'data-field': 'id' },
          a.id,
          a.instances > 1 ? h('span', { class: 'kind', text: ` ×${a.instances}` }) : null,
        ),
        h('td', { 'data-field': 'role', text: a.role }),
        h(
          'td',
          { 'data-field': 'state' },
          h(
            'span',
            { class: 'pill', 'data-status': a.state },
            h('span', { class: 'status-dot', 'data-status': a.state }),
            a.state,
          ),
        ),
        h(
          'td',
          { class: 'num', 'data-field': 'mailboxDepth', 'data-value': a.mailboxDepth },
          bar,
          String(a.mailboxDepth),
        ),
        cell('messagesPerSecond', num(a.messagesPerSecond), { 'data-value': a.messagesPerSecond }),
        cell('messagesHandled', num(a.messagesHandled, 1), { 'data-value': a.messagesHandled }),
        cell('errors', String(a.errors), { 'data-value': a.errors, 'data-hot': a.errors > 0 }),
        cell('restarts', String(a.restarts), {
          'data-value': a.restarts,
          'data-hot': a.restarts > 0,
        }),
        cell('tokens', num(a.tokens, 1), { 'data-value': a.tokens }),
        cell('cost', money(a.cost), { 'data-value': a.cost }),
        cell('performance', a.performance === null ? '–' : pct(a.performance), {
          'data-value': a.performance === null ? '' : a.performance,
        }),
      );
    });
    tbody.replaceChildren(...rows);
  }

  // Topology
  function renderTopology() {
    const svg = $('topology');
    const { width, height } = svg.getBoundingClientRect();
    const w = Math.max(320, width);
    const hgt = Math.max(240, height);
    svg.setAttribute('viewBox', `0 0 ${w} ${hgt}`);
    const nodes = state.topology.nodes;
    const agents = new Map(state.agents.map((a) => [a.id, a]));
    $('topology-kind').textContent = state.space
      ? `· ${state.space.topology}${state.space.hub ? `, hub ${state.space.hub}` : ''}`
      : '';
    const children = [];
    const defs = s('defs');
    const marker = s('marker', {
      id: 'arrow',
      viewBox: '0 0 10 10',
      refX: 10,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: 'auto-start-reverse',
    });
    marker.append(s('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#5b6b99' }));
    defs.append(marker);
    children.push(defs);
    if (nodes.length === 0) {
      const t = s('text', { x: w / 2, y: hgt / 2, class: 'node-label' });
      t.textContent = 'No agents in the space.';
      svg.replaceChildren(...children, t);
      return;
    }
    const cx = w / 2;
    const cy = hgt / 2;
    const radius = Math.min(w, hgt) / 2 - 48;
    const hub =
      state.space?.hub && (state.space.topology === 'star' || state.space.topology === 'broadcast')
        ? state.space.hub
        : null;
    const ring = nodes.filter((n) => n !== hub);
    const pos = new Map();
    if (hub && nodes.includes(hub)) pos.set(hub, { x: cx, y: cy });
    // An even ring turns by half a step, so two agents sit side by side rather than stacked.
    const start = -Math.PI / 2 + (ring.length % 2 === 0 ? Math.PI / ring.length : 0);
    ring.forEach((n, i) => {
      const angle = start + (2 * Math.PI * i) / ring.length;
      pos.set(n, { x: cx + radius * Math.cos(angle), y: cy + radius * Math.sin(angle) });
    });
    if (ring.length === 1 && !hub) pos.set(ring[0], { x: cx, y: cy });
    const keys = new Set(state.topology.edges.map((e) => `${e.from}>${e.to}`));
    const nodeR = 20;
    for (const edge of state.topology.edges) {
      const a = pos.get(edge.from);
      const b = pos.get(edge.to);
      if (!a || !b || edge.from === edge.to) continue;
      const dx = b.x - a.x;
      const dy = b.y - a.y;
      // Two directions between the same pair bend apart so both stay readable.
      const bend = keys.has(`${edge.to}>${edge.from}`) ? 0.18 : 0;
      const mx = (a.x + b.x) / 2 - dy * bend;
      const my = (a.y + b.y) / 2 + dx * bend;
      const ux = (mx - a.x) / Math.hypot(mx - a.x, my - a.y);
      const uy = (my - a.y) / Math.hypot(mx - a.x, my - a.y);
      const vx = (mx - b.x) / Math.hypot(mx - b.x, my - b.y);
      const vy = (my - b.y) / Math.hypot(mx - b.x, my - b.y);
      const start = { x: a.x + ux * nodeR, y: a.y + uy * nodeR };
      const end = { x: b.x + vx * (nodeR + 3), y: b.y + vy * (nodeR + 3) };
      const rate = edge.messagesPerSecond;
      const active = typeof rate === 'number' && rate > 0;
      const path = s('path', {
        class: 'edge',
        d: `M ${start.x} ${start.y} Q ${mx} ${my} ${end.x} ${end.y}`,
        'stroke-width': active ? Math.min(6, 1.2 + Math.log10(1 + rate) * 1.6) : 1.2,
        'marker-end': 'url(#arrow)',
        'data-from': edge.from,
        'data-to': edge.to,
        'data-active': active,
      });
      const title = s('title');
      title.textContent = `${edge.from} → ${edge.to} (${edge.type})${typeof rate === 'number' ? `: ${num(rate)} msg/s` : ''}`;
      path.append(title);
      children.push(path);
      if (typeof rate === 'number') {
        const label = s('text', {
          class: 'edge-label',
          x: (start.x + 2 * mx + end.x) / 4,
          y: (start.y + 2 * my + end.y) / 4 - 4,
          'text-anchor': 'middle',
          'data-edge': `${edge.from}>${edge.to}`,
        });
        label.textContent = `${num(rate)}/s`;
        children.push(label);
      }
    }
    for (const id of nodes) {
      const p = pos.get(id);
      const agent = agents.get(id);
      const st = agent ? agent.state : 'unknown';
      const g = s('g', { 'data-node': id, 'data-state': st });
      g.append(
        s('circle', {
          class: 'node-circle',
          cx: p.x,
          cy: p.y,
          r: nodeR,
          fill: STATE_COLOR[st] || STATE_COLOR.unknown,
        }),
      );
      const depth = s('text', { class: 'node-depth', x: p.x, y: p.y });
      depth.textContent = agent ? num(agent.mailboxDepth, 0) : '';
      const label = s('text', { class: 'node-label', x: p.x, y: p.y + nodeR + 16 });
      label.textContent = id;
      const title = s('title');
      title.textContent = agent
        ? `${id}: ${st}, mailbox ${agent.mailboxDepth}, ${num(agent.messagesPerSecond)} msg/s`
        : id;
      g.append(depth, label, title);
      children.push(g);
    }
    svg.replaceChildren(...children);
  }

  // Charts
  function groupOf(series) {
    if (series.startsWith('resource_utilization.')) return series;
    const dot = series.indexOf('.');
    return dot < 0 ? series : series.slice(0, dot);
  }

  function buildCharts() {
    const host = $('charts');
    for (const chart of charts.values()) chart.plot.destroy();
    charts.clear();
    host.replaceChildren();
    const groups = new Map();
    for (const series of state.series) {
      const g = groupOf(series);
      if (!groups.has(g)) groups.set(g, []);
      groups.get(g).push(series);
    }
    $('charts-sub').textContent = `· ${state.series.length} series, one point per window`;
    if (groups.size === 0) {
      host.append(h('p', { class: 'empty', text: 'No metrics tracked.' }));
      return;
    }
    for (const [group, series] of groups) {
      const now = h('span', { class: 'now' });
      const box = h('div', { class: 'chart', 'data-chart': group }, h('h3', {}, group, now));
      host.append(box);
      const width = Math.max(300, box.clientWidth - 20);
      const opts = {
        width,
        height: 190,
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true } },
        legend: { show: series.length > 1, live: true },
        axes: [
          {
            stroke: '#8b93a7',
            grid: { stroke: '#1e273b', width: 1 },
            ticks: { stroke: '#1e273b' },
          },
          {
            stroke: '#8b93a7',
            grid: { stroke: '#1e273b', width: 1 },
            ticks: { stroke: '#1e273b' },
            size: 56,
          },
        ],
        series: [
          {},
          ...series.map((name, i) => ({
            label: name === group ? 'value' : name.slice(group.length + 1),
            stroke: PALETTE[i % PALETTE.length],
            width: 2,
            fill: series.length === 1 ? `${PALETTE[i % PALETTE.length]}22` : undefined,
            points: { show: false },
            value: (_u, v) => (v === null || v === undefined ? '–' : num(v, 2)),
          })),
        ],
      };
      const plot = new uPlot(opts, chartData(series), box);
      charts.set(group, { plot, series, box, now });
    }
    refreshChartValues();
  }

  function chartData(series) {
    const xs = points.map((p) => p.at / 1000);
    return [
      xs,
      ...series.map((name) => points.map((p) => (name in p.values ? p.values[name] : null))),
    ];
  }

  function refreshChartValues() {
    const last = points[points.length - 1];
    for (const chart of charts.values()) {
      chart.now.textContent = last
        ? chart.series.map((name) => num(last.values[name], 2)).join(' · ')
        : '';
    }
  }

  function updateCharts() {
    for (const chart of charts.values()) chart.plot.setData(chartData(chart.series));
    refreshChartValues();
  }

  function resizeCharts() {
    for (const chart of charts.values()) {
      chart.plot.setSize({ width: Math.max(300, chart.box.clientWidth - 20), height: 190 });
    }
    if (optimizerPlot) {
      optimizerPlot.setSize({ width: optimizerWidth($('optimizer')), height: 220 });
    }
  }

  // Alerts and insights
  const ALERT_TONE = {
    'alert-raised': (e) => (e.alert.level === 'critical' ? 'crit' : 'warn'),
    'alert-lowered': () => 'warn',
    'alert-resolved': () => 'ok',
    'alert-action-applied': () => 'info',
    'alert-action-failed': () => 'crit',
    'alert-action-skipped': () => 'accent',
  };

  function describeAlert(e) {
    const a = e.alert;
    const sign = a.direction === 'above' ? '≥' : '≤';
    const subject = `${a.id} = ${num(a.value, 2)}`;
    switch (e.type) {
      case 'alert-raised':
        return [
          `${a.level}`,
          `${subject} (${sign} ${a.threshold})`,
          `action on critical: ${a.action}`,
        ];
      case 'alert-lowered':
        return ['lowered', `${subject}`, `back to ${a.level}`];
      case 'alert-resolved':
        return ['resolved', `${a.id} = ${num(a.value, 2)}`, `was ${e.previous}`];
      case 'alert-action-applied':
        return [`${e.action}`, `${a.id}: action applied`, e.detail];
      case 'alert-action-failed':
        return [`${e.action} failed`, `${a.id}: action failed`, e.error.message];
      case 'alert-action-skipped':
        return [
          'cooldown',
          `${a.id}: ${e.action} held back`,
          `may run again at ${clock(e.retryAt)}`,
        ];
      default:
        return [e.type, a.id, ''];
    }
  }

  function renderFeed() {
    const items = [...state.feed].reverse();
    if (items.length === 0) {
      $('feed').replaceChildren(
        h(
          'li',
          {},
          h('span', { class: 'when' }),
          h('span', { class: 'empty', text: 'Quiet so far: no alerts, no insights.' }),
        ),
      );
      return;
    }
    $('feed').replaceChildren(
      ...items.map((item) => {
        if (item.kind === 'alert') {
          const e = item.event;
          const [badge, line, detail] = describeAlert(e);
          return h(
            'li',
            { 'data-kind': 'alert', 'data-type': e.type },
            h('span', { class: 'when', text: clock(item.at) }),
            h(
              'div',
              { class: 'what' },
              h(
                'div',
                { class: 'line' },
                h('span', { class: 'badge', 'data-tone': ALERT_TONE[e.type](e), text: badge }),
                line,
              ),
              detail ? h('div', { class: 'detail', text: detail }) : null,
            ),
          );
        }
        const i = item.insight;
        const act = i.suggestedAction;
        const params = Object.entries(act.parameters)
          .map(([k, v]) => `${k}: ${Array.isArray(v) ? `[${v.join(', ')}]` : v}`)
          .join(', ');
        return h(
          'li',
          { 'data-kind': 'insight', 'data-type': i.type },
          h('span', { class: 'when', text: clock(item.at) }),
          h(
            'div',
            { class: 'what' },
            h(
              'div',
              { class: 'line' },
              h('span', { class: 'badge', 'data-tone': 'accent', text: i.type.replace(/_/g, ' ') }),
              h('span', {
                text: `confidence ${pct(i.confidence)} · impact ${pct(i.impactEstimate)}`,
              }),
            ),
            h('div', { class: 'detail', text: i.description }),
            h('div', {
              class: 'suggest',
              text: `→ ${act.actionType}(${params}) · +${pct(act.expectedImprovement)} · risk ${act.riskLevel}`,
            }),
          ),
        );
      }),
    );
  }

  // Adaptation history
  const OUTCOME_TONE = {
    success: 'ok',
    partial_success: 'warn',
    failure: 'crit',
    rolled_back: 'accent',
  };

  function renderTimeline() {
    const events = [...state.adaptations].reverse();
    if (events.length === 0) {
      $('timeline').replaceChildren(
        h(
          'li',
          {},
          h('span', { class: 'when' }),
          h('span', { class: 'empty', text: 'No adaptations recorded yet.' }),
        ),
      );
      return;
    }
    $('timeline').replaceChildren(
      ...events.map((e) => {
        const changes = e.changes
          .map(
            (c) => `${c.variableId}: ${JSON.stringify(c.oldValue)} → ${JSON.stringify(c.newValue)}`,
          )
          .join('; ');
        const impact =
          e.performanceImpact === 0
            ? ''
            : ` · impact ${e.performanceImpact > 0 ? '+' : ''}${num(e.performanceImpact, 3)}`;
        return h(
          'li',
          { 'data-adaptation': e.id },
          h('span', { class: 'when', text: clock(e.timestamp) }),
          h(
            'div',
            { class: 'what' },
            h(
              'div',
              { class: 'line' },
              h('span', {
                class: 'badge',
                'data-tone': OUTCOME_TONE[e.outcome] || 'info',
                text: e.outcome.replace(/_/g, ' '),
              }),
              h('strong', { text: e.operation }),
              h('span', { class: 'detail', text: `${e.trigger.replace(/_/g, ' ')}${impact}` }),
            ),
            changes ? h('div', { class: 'detail', text: changes }) : null,
            e.errors?.length
              ? h('div', {
                  class: 'detail',
                  text: e.errors.map((x) => `${x.code}: ${x.message}`).join('; '),
                })
              : null,
          ),
        );
      }),
    );
  }

  // Optimizer: one series per run, so one run's best never reads as the next one's.
  function runsOf(list) {
    const runs = new Map();
    for (const t of list) {
      let run = runs.get(t.run);
      if (!run) {
        run = { run: t.run, optimizer: t.optimizer, trials: [] };
        runs.set(t.run, run);
      }
      run.trials.push(t);
    }
    return [...runs.values()];
  }

  function runLabel(run) {
    return `${run.optimizer || 'optimizer'} · run ${run.run}`;
  }

  function optimizerWidth(host) {
    // The plot takes what the card leaves beside the stats; it is measured on the card, never on
    // itself, so the chart can shrink with the window.
    const stats = host.querySelector('.stats');
    const narrow = host.clientWidth < 640;
    return Math.max(240, host.clientWidth - (narrow || !stats ? 0 : stats.offsetWidth + 16));
  }

  function renderOptimizer() {
    const host = $('optimizer');
    if (optimizerPlot) {
      optimizerPlot.destroy();
      optimizerPlot = null;
    }
    if (trials.length === 0) {
      host.replaceChildren(
        h('p', {
          class: 'empty',
          text: 'No optimizer attached. Pass its progress$ to createDashboard (optimizer) or dashboard.attachOptimizer().',
        }),
      );
      $('optimizer-sub').textContent = '';
      return;
    }
    const runs = runsOf(trials);
    const latest = runs[runs.length - 1];
    const last = latest.trials[latest.trials.length - 1];
    $('optimizer-sub').textContent = `· ${runs.length} run${runs.length === 1 ? '' : 's'}`;
    const xs = [...new Set(trials.map((t) => t.trial))].sort((a, b) => a - b);
    const at = new Map(xs.map((x, i) => [x, i]));
    const data = [xs];
    const series = [{ label: 'trial' }];
    const legend = [];
    runs.forEach((run, i) => {
      const color = PALETTE[i % PALETTE.length];
      const score = xs.map(() => null);
      const best = xs.map(() => null);
      for (const t of run.trials) {
        score[at.get(t.trial)] = t.score;
        best[at.get(t.trial)] = t.bestScore;
      }
      data.push(score, best);
      series.push(
        {
          label: `${runLabel(run)} score`,
          stroke: color,
          width: 0,
          points: { show: true, size: 6, fill: color },
        },
        {
          label: `${runLabel(run)} best`,
          stroke: color,
          width: 2,
          spanGaps: true,
          paths: uPlot.paths.stepped({ align: 1 }),
          points: { show: false },
        },
      );
      const runBest = run.trials[run.trials.length - 1].bestScore;
      legend.push(
        h(
          'li',
          { 'data-run': run.run, 'data-optimizer': run.optimizer || '' },
          h('span', { class: 'swatch', style: `background:${color}` }),
          h('span', { class: 'run-name', text: runLabel(run) }),
          h('span', {
            class: 'run-figures',
            'data-best': runBest,
            'data-trials': run.trials.length,
            text: `${run.trials.length} trials · best ${num(runBest, 3)}`,
          }),
        ),
      );
    });
    const stat = (label, value) =>
      h(
        'div',
        { class: 'stat' },
        h('span', { class: 'label', text: label }),
        h('span', { class: 'value', text: value }),
      );
    const stats = h(
      'div',
      { class: 'stats' },
      stat(
        'trials',
        last.totalTrials
          ? `${latest.trials.length} / ${last.totalTrials}`
          : String(latest.trials.length),
      ),
      stat('best score', num(last.bestScore, 3)),
      stat('last score', num(last.score, 3)),
      h('ul', { class: 'runs' }, ...legend),
    );
    const plotBox = h('div', { class: 'plot' });
    host.replaceChildren(stats, plotBox);
    optimizerPlot = new uPlot(
      {
        width: optimizerWidth(host),
        height: 220,
        legend: { show: false },
        scales: { x: { time: false } },
        axes: [
          {
            stroke: '#8b93a7',
            grid: { stroke: '#1e273b' },
            ticks: { stroke: '#1e273b' },
            label: 'trial',
            // Trials are whole numbers.
            incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000],
          },
          {
            stroke: '#8b93a7',
            grid: { stroke: '#1e273b' },
            ticks: { stroke: '#1e273b' },
            size: 56,
          },
        ],
        series,
      },
      data,
      plotBox,
    );
  }

  function renderAll() {
    if (!state) return;
    renderHeader();
    renderKpis();
    renderTree();
    renderAgents();
    renderTopology();
    renderFeed();
    renderTimeline();
    document.body.dataset.ready = 'true';
  }

  function connect() {
    const events = new EventSource('/events');
    events.addEventListener('open', () => setConn('live', 'live'));
    events.addEventListener('error', () => setConn('reconnecting', 'reconnecting…'));
    events.addEventListener('init', (e) => {
      const data = JSON.parse(e.data);
      state = data.state;
      points = data.chart.slice(-MAX_POINTS);
      trials = data.trials;
      renderAll();
      buildCharts();
      renderOptimizer();
      setConn('live', 'live');
    });
    events.addEventListener('state', (e) => {
      const previous = state;
      state = JSON.parse(e.data);
      renderAll();
      if (!previous || previous.series.join() !== state.series.join()) buildCharts();
    });
    events.addEventListener('point', (e) => {
      points.push(JSON.parse(e.data));
      if (points.length > MAX_POINTS) points.splice(0, points.length - MAX_POINTS);
      updateCharts();
      document.body.dataset.points = String(points.length);
    });
    events.addEventListener('trial', (e) => {
      trials.push(JSON.parse(e.data));
      renderOptimizer();
    });
  }

  let resizeTimer = 0;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      resizeCharts();
      if (state) renderTopology();
    }, 120);
  });

  connect();
})();
