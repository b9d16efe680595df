// The varplane live dashboard: plain DOM, SVG and uPlot, fed by server-sent events.
// Every value from the server goes through textContent or SVG attributes, never through HTML.
// The server sends the whole state once, then patches against the version the page holds; the
// page keeps agents and edges in Maps (ids such as `__proto__` are ordinary keys) and redraws only
// the panels a patch touched, once per animation frame.
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
  const FEED_KEPT = 200;
  const SVG = 'http://www.w3.org/2000/svg';
  // Past this many agents the topology is drawn compact: small nodes, radial labels, no edge labels.
  const COMPACT_NODES = 16;

  let state = null;
  let version = 0;
  let agentsById = new Map();
  let edgesByKey = new Map();
  let points = [];
  let trials = [];
  const charts = new Map();
  let optimizerPlot = null;
  const dirty = new Set();
  let frameRequested = false;
  const table = { sort: 'id', descending: false, filter: '', state: '' };

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
  const pad = (n) => String(n).padStart(2, '0');
  function clock(at) {
    const d = new Date(at);
    return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }
  function stamp(at) {
    const d = new Date(at);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clock(at)}`;
  }

  function setConn(kind, text) {
    $('conn').dataset.state = kind;
    $('conn-text').textContent = text;
  }

  // State: a full frame, then patches.
  const edgeKey = (e) => `${e.from}\u0000${e.to}\u0000${e.type}`;
  function byId(a, b) {
    return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
  }

  function applyFull(frame) {
    state = frame.full;
    version = frame.v;
    agentsById = new Map(state.agents.map((a) => [a.id, a]));
    edgesByKey = new Map(state.topology.edges.map((e) => [edgeKey(e), e]));
    points = frame.points.slice(-MAX_POINTS);
    trials = frame.trials;
    for (const panel of PANELS) dirty.add(panel);
    dirty.add('charts-build');
  }

  // Returns false when the patch is not for the version held: the page then starts over.
  function applyPatch(patch) {
    if (patch.base !== version) return false;
    version = patch.v;
    if (patch.set) {
      const set = patch.set;
      const previousSeries = state.series.join('\u0000');
      for (const key of Object.keys(set)) {
        if (key === 'nodes') state.topology.nodes = set.nodes;
        else if (key === 'edgeSummary') {
          state.topology.totalEdges = set.edgeSummary.totalEdges;
          state.topology.hidden = set.edgeSummary.hidden;
        } else state[key] = set[key];
      }
      if ('series' in set && set.series.join('\u0000') !== previousSeries)
        dirty.add('charts-build');
      if ('space' in set || 'now' in set || 'window' in set || 'title' in set) dirty.add('header');
      if ('window' in set || 'alerts' in set) dirty.add('kpis');
      if ('tree' in set) dirty.add('tree');
      if ('nodes' in set || 'space' in set || 'edgeSummary' in set || 'window' in set)
        dirty.add('topology');
      if ('adaptations' in set) dirty.add('timeline');
      if ('runs' in set) dirty.add('runs');
      if ('cluster' in set) dirty.add('nodes');
    }
    if (patch.agents) {
      for (const row of patch.agents.upsert) {
        const old = agentsById.get(row.id);
        agentsById.set(row.id, old ? { ...old, ...row } : row);
      }
      for (const id of patch.agents.remove) agentsById.delete(id);
      state.agents = [...agentsById.values()].sort(byId);
      dirty.add('agents');
      dirty.add('kpis');
      dirty.add('topology');
      dirty.add('history-agents');
      if (!state.tree) dirty.add('tree');
    }
    if (patch.edges) {
      for (const edge of patch.edges.upsert) edgesByKey.set(edgeKey(edge), edge);
      for (const [from, to, type] of patch.edges.remove)
        edgesByKey.delete(edgeKey({ from, to, type }));
      state.topology.edges = [...edgesByKey.values()];
      dirty.add('topology');
    }
    if (patch.feed) {
      state.feed = state.feed.concat(patch.feed).slice(-FEED_KEPT);
      dirty.add('feed');
    }
    if (patch.points) {
      points = points.concat(patch.points).slice(-MAX_POINTS);
      dirty.add('charts');
    }
    if (patch.trials) {
      trials = trials.concat(patch.trials);
      dirty.add('optimizer');
    }
    return true;
  }

  function requestRender() {
    if (frameRequested) return;
    frameRequested = true;
    requestAnimationFrame(() => {
      frameRequested = false;
      render();
    });
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
    const scored = agents.filter((a) => a.performance !== null).length;
    kpi(
      'score',
      pct(score),
      w
        ? `handled without error, mean of ${scored} agent${scored === 1 ? '' : 's'}`
        : 'no window yet',
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

  // Nodes of a cluster: which agents run where, and which nodes are down. Shown once attached.
  function renderNodes() {
    const view = state.cluster;
    $('nodes-card').hidden = !view;
    if (!view) return;
    const down = view.nodes.filter((n) => n.status === 'down').length;
    $('nodes-sub').textContent =
      `${view.nodes.length} nodes, ${down} down` +
      (view.refused > 0 ? `, ${view.refused} malformed updates not shown` : '');
    $('nodes')
      .querySelector('tbody')
      .replaceChildren(
        ...view.nodes.map((n) =>
          h(
            'tr',
            { 'data-node': n.node, 'data-status': n.status },
            h('td', { text: n.node }),
            h(
              'td',
              { 'data-field': 'status' },
              h(
                'span',
                { class: 'pill', 'data-status': n.status === 'up' ? 'running' : 'crashed' },
                h('span', {
                  class: 'status-dot',
                  'data-status': n.status === 'up' ? 'running' : 'crashed',
                }),
                n.status,
              ),
            ),
            h('td', { class: 'num', text: String(n.agents.length) }),
            h('td', { text: n.agents.map((a) => `${a.id} (${a.epoch})`).join(', ') || '-' }),
          ),
        ),
      );
  }

  // Agents table: sorted by a column (click its header; again to reverse), filtered by text and state.
  function visibleAgents() {
    const words = table.filter.toLowerCase().split(/\s+/).filter(Boolean);
    const rows = state.agents.filter((a) => {
      if (table.state && a.state !== table.state) return false;
      const text = `${a.id} ${a.role} ${a.behaviour} ${a.state}`.toLowerCase();
      return words.every((word) => text.includes(word));
    });
    const key = table.sort;
    const value = (a) =>
      a[key] === null || a[key] === undefined ? Number.NEGATIVE_INFINITY : a[key];
    rows.sort((a, b) => {
      const x = value(a);
      const y = value(b);
      const order = x < y ? -1 : x > y ? 1 : byId(a, b);
      return table.descending ? -order : order;
    });
    return rows;
  }

  function renderAgents() {
    const tbody = $('agents').querySelector('tbody');
    for (const th of $('agents').querySelectorAll('th[data-sort]')) {
      const sorted = th.dataset.sort === table.sort;
      th.setAttribute(
        'aria-sort',
        sorted ? (table.descending ? 'descending' : 'ascending') : 'none',
      );
    }
    const rowsShown = visibleAgents();
    $('agents-sub').textContent =
      rowsShown.length === state.agents.length
        ? `· ${state.agents.length}`
        : `· ${rowsShown.length} of ${state.agents.length}`;
    if (rowsShown.length === 0) {
      tbody.replaceChildren(
        h(
          'tr',
          {},
          h('td', {
            colspan: 11,
            class: 'empty',
            text: state.agents.length === 0 ? 'No agents yet.' : 'No agent matches the filter.',
          }),
        ),
      );
      return;
    }
    const maxDepth = Math.max(10, ...state.agents.map((a) => a.mailboxDepth));
    const rows = rowsShown.map((a) => {
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

  function wireAgentControls() {
    for (const th of $('agents').querySelectorAll('th[data-sort]')) {
      th.tabIndex = 0;
      const sortBy = () => {
        const key = th.dataset.sort;
        if (table.sort === key) table.descending = !table.descending;
        else {
          table.sort = key;
          // Numbers read best largest first; names in alphabetical order.
          table.descending = th.classList.contains('num');
        }
        dirty.add('agents');
        requestRender();
      };
      th.addEventListener('click', sortBy);
      th.addEventListener('keydown', (e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          sortBy();
        }
      });
    }
    $('agent-filter').addEventListener('input', (e) => {
      table.filter = e.target.value;
      dirty.add('agents');
      requestRender();
    });
    $('agent-state').addEventListener('change', (e) => {
      table.state = e.target.value;
      dirty.add('agents');
      requestRender();
    });
  }

  // Topology. A small team is drawn with named nodes and a rate on every edge; a large one compact:
  // small nodes grouped by role on a ring, radial labels, and only the edges the server sent (the
  // busiest of a large graph), with a caption that says what was left out.
  function ringLayout(nodes, hub, cx, cy, radius) {
    const pos = new Map();
    const ring = nodes.filter((n) => n !== hub);
    if (hub && nodes.includes(hub)) pos.set(hub, { x: cx, y: cy, angle: 0 });
    // An even ring turns by half a step, so two agents sit side by side rather than stacked.
    const start = -Math.PI / 2 + (ring.length % 2 === 0 ? Math.PI / ring.length : 0);
    ring.forEach((n, i) => {
      const angle = start + (2 * Math.PI * i) / ring.length;
      pos.set(n, { x: cx + radius * Math.cos(angle), y: cy + radius * Math.sin(angle), angle });
    });
    if (ring.length === 1 && !hub) pos.set(ring[0], { x: cx, y: cy, angle: 0 });
    return pos;
  }

  function topologyCaption(compact) {
    const edges = state.topology.edges;
    const counted = edges.filter((e) => typeof e.messagesPerSecond === 'number');
    const along =
      counted.reduce((sum, e) => sum + e.messagesPerSecond, 0) +
      (state.topology.hidden ? state.topology.hidden.messagesPerSecond : 0);
    const handled = state.window ? state.window.messagesPerSecond : 0;
    const parts = [];
    const total = state.topology.totalEdges;
    if (compact || state.topology.hidden.edges > 0) {
      parts.push(
        `${total.toLocaleString('en')} edges`,
        state.topology.hidden.edges > 0
          ? `${edges.length} busiest drawn, ${state.topology.hidden.edges.toLocaleString('en')} others carry ${num(state.topology.hidden.messagesPerSecond)} msg/s`
          : `${edges.length} drawn`,
      );
    }
    if (total > 0 && counted.length === 0 && state.topology.hidden.messagesPerSecond === 0) {
      parts.push('the runtime counts no messages per edge');
    } else {
      parts.push(`${num(along)} msg/s between agents of ${num(handled)} msg/s handled`);
      if (handled > along * 1.05 + 0.05) parts.push('the rest came from outside the team (calls)');
    }
    return parts.join(' · ');
  }

  function renderTopology() {
    const svg = $('topology');
    const nodes = state.topology.nodes;
    const compact = nodes.length > COMPACT_NODES;
    $('topology-wrap').dataset.compact = String(compact);
    const { width, height } = svg.getBoundingClientRect();
    const w = Math.max(320, width);
    const hgt = Math.max(240, height);
    svg.setAttribute('viewBox', `0 0 ${w} ${hgt}`);
    const agents = agentsById;
    $('topology-kind').textContent = state.space
      ? `· ${state.space.topology}${state.space.hub ? `, hub ${state.space.hub}` : ''}`
      : '';
    $('topology-caption').textContent = nodes.length === 0 ? '' : topologyCaption(compact);
    const children = [];
    const defs = s('defs');
    const marker = s('marker', {
      id: 'arrow',
      viewBox: '0 0 10 10',
      refX: 10,
      refY: 5,
      markerWidth: compact ? 4 : 7,
      markerHeight: compact ? 4 : 7,
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
    const hub =
      state.space?.hub && (state.space.topology === 'star' || state.space.topology === 'broadcast')
        ? state.space.hub
        : null;
    const roleOf = (id) => agents.get(id)?.role || '';
    // Agents of one role sit together on the ring.
    const ordered = compact
      ? [...nodes].sort((a, b) =>
          roleOf(a) < roleOf(b) ? -1 : roleOf(a) > roleOf(b) ? 1 : a < b ? -1 : 1,
        )
      : nodes;
    const longest = Math.max(...nodes.map((n) => n.length));
    const labelRoom = compact ? Math.min(120, 10 + longest * 6.2) : 48;
    const radius = Math.max(40, Math.min(w, hgt) / 2 - labelRoom);
    const pos = ringLayout(ordered, hub, w / 2, hgt / 2, radius);
    const nodeR = compact ? 6 : 20;
    const keys = new Set(state.topology.edges.map((e) => `${e.from}>${e.to}`));
    const rates = state.topology.edges.map((e) => e.messagesPerSecond || 0);
    const busiest = Math.max(0, ...rates);
    for (const edge of state.topology.edges) {
      const a = pos.get(edge.from);
      const b = pos.get(edge.to);
      if (!a || !b || edge.from === edge.to) continue;
      const rate = edge.messagesPerSecond;
      const active = typeof rate === 'number' && rate > 0;
      const title = s('title');
      title.textContent = `${edge.from} → ${edge.to} (${edge.type})${typeof rate === 'number' ? `: ${num(rate)} msg/s` : ''}`;
      if (compact) {
        const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
        const ux = (b.x - a.x) / len;
        const uy = (b.y - a.y) / len;
        const line = s('line', {
          class: 'edge',
          x1: a.x + ux * nodeR,
          y1: a.y + uy * nodeR,
          x2: b.x - ux * (nodeR + 2),
          y2: b.y - uy * (nodeR + 2),
          'stroke-width': active ? 0.8 + 2.4 * (busiest > 0 ? rate / busiest : 0) : 0.8,
          'marker-end': 'url(#arrow)',
          'data-from': edge.from,
          'data-to': edge.to,
          'data-active': active,
        });
        line.append(title);
        children.push(line);
        continue;
      }
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
      const path = s('path', {
        class: 'edge',
        d: `M ${start.x} ${start.y} Q ${mx} ${my} ${end.x} ${end.y}`,
        'stroke-width': active ? Math.min(6, 1.2 + Math.log10(1 + rate) * 1.6) : 1.2,
        'marker-end': 'url(#arrow)',
        'data-from': edge.from,
        'data-to': edge.to,
        'data-active': active,
      });
      path.append(title);
      children.push(path);
      // A rate is written only where messages were counted: an idle edge reads as idle, not "0/s".
      if (active) {
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
      const title = s('title');
      title.textContent = agent
        ? `${id} (${agent.role}): ${st}, mailbox ${agent.mailboxDepth}, ${num(agent.messagesPerSecond)} msg/s`
        : id;
      if (compact) {
        // Labels point away from the centre, so 60 names fit around one ring without overlapping.
        if (id === hub) {
          const label = s('text', { class: 'node-label compact', x: p.x, y: p.y + nodeR + 12 });
          label.textContent = id;
          g.append(label, title);
          children.push(g);
          continue;
        }
        const deg = (p.angle * 180) / Math.PI;
        const flip = Math.cos(p.angle) < 0;
        const label = s('text', {
          class: 'node-label compact',
          x: p.x + Math.cos(p.angle) * (nodeR + 4),
          y: p.y + Math.sin(p.angle) * (nodeR + 4),
          transform: `rotate(${flip ? deg + 180 : deg} ${p.x + Math.cos(p.angle) * (nodeR + 4)} ${p.y + Math.sin(p.angle) * (nodeR + 4)})`,
          'text-anchor': flip ? 'end' : 'start',
          'dominant-baseline': 'central',
        });
        label.textContent = id;
        g.append(label, title);
      } else {
        const depth = s('text', { class: 'node-depth', x: p.x, y: p.y });
        depth.textContent = agent ? num(agent.mailboxDepth, 0) : '';
        const label = s('text', { class: 'node-label', x: p.x, y: p.y + nodeR + 16 });
        label.textContent = id;
        g.append(depth, label, title);
      }
      children.push(g);
    }
    svg.replaceChildren(...children);
  }

  // Charts: one per metric group, the time axis as hh:mm:ss with room between labels, and a legend
  // of our own (the series' colours and latest values) instead of uPlot's cursor legend.
  function groupOf(series) {
    if (series.startsWith('resource_utilization.')) return series;
    const dot = series.indexOf('.');
    return dot < 0 ? series : series.slice(0, dot);
  }

  const AXIS = {
    stroke: '#8b93a7',
    grid: { stroke: '#1e273b', width: 1 },
    ticks: { stroke: '#1e273b' },
  };

  function timeAxis() {
    return {
      ...AXIS,
      space: 72,
      values: (_u, splits) => splits.map((v) => clock(v * 1000)),
    };
  }

  const TIME_SCALE = { time: true };

  // One point gives uPlot an empty range: a minute around it reads as a time axis.
  function widenSinglePoint(plot, xs) {
    if (xs.length === 1) plot.setScale('x', { min: xs[0] - 30, max: xs[0] + 30 });
  }

  function chartWidth(box) {
    return Math.max(240, box.clientWidth - 20);
  }

  function legendOf(items) {
    return h(
      'ul',
      { class: 'legend' },
      ...items.map((item) =>
        h(
          'li',
          { 'data-series': item.name },
          h('span', { class: 'swatch', style: `background:${item.color}` }),
          h('span', { text: item.label }),
          h('span', { class: 'value', 'data-series-value': item.name }),
        ),
      ),
    );
  }

  function timeChart(host, key, title, items, extraScales) {
    const box = h('div', { class: 'chart', 'data-chart': key }, h('h3', {}, title));
    box.append(legendOf(items));
    host.append(box);
    const plot = new uPlot(
      {
        width: chartWidth(box),
        height: 170,
        cursor: { drag: { x: false, y: false } },
        legend: { show: false },
        scales: { x: TIME_SCALE, ...(extraScales || {}) },
        axes: [
          timeAxis(),
          { ...AXIS, size: 56 },
          ...(extraScales
            ? [
                {
                  ...AXIS,
                  side: 1,
                  scale: Object.keys(extraScales)[0],
                  size: 56,
                  grid: { show: false },
                },
              ]
            : []),
        ],
        series: [
          {},
          ...items.map((item) => ({
            label: item.label,
            stroke: item.color,
            width: 2,
            ...(item.scale ? { scale: item.scale } : {}),
            fill: items.length === 1 ? `${item.color}22` : undefined,
            points: { show: false },
          })),
        ],
      },
      [[]].concat(items.map(() => [])),
      box,
    );
    return { plot, box, items };
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
    for (const [group, series] of groups) {
      const items = series.map((name, i) => ({
        name,
        label: name === group ? group : name.slice(group.length + 1),
        color: PALETTE[i % PALETTE.length],
        value: (p) => (name in p.values ? p.values[name] : null),
        format: (v) => num(v, 2),
      }));
      charts.set(group, timeChart(host, group, group, items));
    }
    // What the team spent, window by window: tokens on the left axis, cost on the right.
    charts.set(
      'spend',
      timeChart(
        host,
        'spend',
        'tokens · cost per window',
        [
          {
            name: 'spend.tokens',
            label: 'tokens',
            color: PALETTE[2],
            value: (p) => (p.spend ? p.spend.tokens : null),
            format: (v) => num(v, 1),
          },
          {
            name: 'spend.cost',
            label: 'cost',
            color: PALETTE[3],
            scale: 'cost',
            value: (p) => (p.spend ? p.spend.cost : null),
            format: (v) => money(v),
          },
        ],
        { cost: { auto: true } },
      ),
    );
    updateCharts();
  }

  function updateCharts() {
    const xs = points.map((p) => p.at / 1000);
    const last = points[points.length - 1];
    for (const chart of charts.values()) {
      chart.plot.setData([xs, ...chart.items.map((item) => points.map((p) => item.value(p)))]);
      widenSinglePoint(chart.plot, xs);
      for (const item of chart.items) {
        const cell = chart.box.querySelector(`[data-series-value="${CSS.escape(item.name)}"]`);
        if (cell) cell.textContent = last ? item.format(item.value(last)) : '–';
      }
    }
    document.body.dataset.points = String(points.length);
  }

  function resizeCharts() {
    for (const chart of charts.values()) {
      chart.plot.setSize({ width: chartWidth(chart.box), height: 170 });
    }
    for (const plot of historyPlots) {
      plot.setSize({ width: chartWidth(plot.root.parentElement), height: 200 });
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
          h('span', {
            class: 'empty',
            text: 'Quiet so far: no alerts, insights or runtime events.',
          }),
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
        if (item.kind === 'event') {
          return h(
            'li',
            { 'data-kind': 'event', 'data-type': item.type, 'data-agent': item.agent || '' },
            h('span', { class: 'when', text: clock(item.at) }),
            h(
              'div',
              { class: 'what' },
              h(
                'div',
                { class: 'line' },
                h('span', {
                  class: 'badge',
                  'data-tone': item.tone,
                  text: item.type.replace(/-/g, ' '),
                }),
                h('span', { class: 'event-text', text: item.text }),
                item.count > 1 ? h('span', { class: 'detail', text: `×${item.count}` }) : null,
              ),
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

  // Runs: task → agent turn → LM call, from the run log (the bridge's traces and the calls of
  // instrumented models). The list comes with the state's run-log version; details on demand.
  const runsView = { list: [], pending: [], version: -1, selected: null, loading: false };

  async function fetchJson(path) {
    const response = await fetch(path, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`${response.status}: ${(await response.text()).trim()}`);
    return response.json();
  }

  function ms(x) {
    return x >= 1000 ? `${num(x / 1000, 2)} s` : `${num(x, 0)} ms`;
  }

  async function refreshRuns() {
    if (!state || runsView.loading || runsView.version === state.runs.version) return;
    runsView.loading = true;
    const wanted = state.runs.version;
    try {
      const data = await fetchJson('/api/runs');
      runsView.list = data.runs;
      runsView.pending = data.pendingCalls;
      runsView.version = wanted;
      renderRunList();
      if (runsView.selected) await showRun(runsView.selected, false);
    } catch (error) {
      $('run-detail').replaceChildren(
        h('p', { class: 'empty', text: `Could not load the runs: ${error.message}` }),
      );
    } finally {
      runsView.loading = false;
    }
    if (state && runsView.version !== state.runs.version) refreshRuns();
  }

  function renderRunList() {
    const words = $('run-filter').value.toLowerCase().split(/\s+/).filter(Boolean);
    const errorsOnly = $('run-errors').checked;
    const shown = runsView.list.filter((run) => {
      if (errorsOnly && run.errors === 0) return false;
      const text = `${run.runId} ${run.agents.join(' ')}`.toLowerCase();
      return words.every((word) => text.includes(word));
    });
    $('runs-sub').textContent = runsView.list.length
      ? `· ${shown.length === runsView.list.length ? runsView.list.length : `${shown.length} of ${runsView.list.length}`} runs, newest first`
      : '';
    if (runsView.list.length === 0) {
      $('run-list').replaceChildren(
        h('li', {
          class: 'empty',
          text: 'No runs recorded. Hand dashboard.runLog to agentize (trace) and to instrumentLanguageModel (calls).',
        }),
      );
      return;
    }
    $('run-list').replaceChildren(
      ...shown.map((run) =>
        h(
          'li',
          {
            'data-run': run.runId,
            'data-errors': run.errors,
            'aria-selected': run.runId === runsView.selected,
            tabindex: 0,
          },
          h(
            'div',
            { class: 'line' },
            h('strong', { class: 'run-id', text: run.runId }),
            run.errors > 0
              ? h('span', {
                  class: 'badge',
                  'data-tone': 'crit',
                  text: `${run.errors} error${run.errors === 1 ? '' : 's'}`,
                })
              : null,
          ),
          h('div', {
            class: 'detail',
            text: `${run.turns} turns · ${run.calls} LM calls · ${num(run.tokens, 1)} tokens · ${ms(run.endedAt - run.startedAt)}`,
          }),
          h('div', { class: 'detail', text: run.agents.join(', ') }),
        ),
      ),
    );
  }

  function jsonBlock(label, value) {
    return h(
      'div',
      { class: 'block' },
      h('span', { class: 'label', text: label }),
      h('pre', { text: typeof value === 'string' ? value : JSON.stringify(value, null, 2) }),
    );
  }

  function callView(call, index) {
    const usage = call.usage
      ? `${call.usage.inputTokens} in · ${call.usage.outputTokens} out${call.usage.estimated ? ' (estimated)' : ''}`
      : 'no usage';
    const details = h(
      'details',
      { class: 'call', 'data-call': index, 'data-error': call.error ? 'true' : 'false' },
      h(
        'summary',
        {},
        h('span', {
          class: 'badge',
          'data-tone': call.error ? 'crit' : 'info',
          text: call.error ? 'error' : 'LM call',
        }),
        h('span', { class: 'mono', text: `${call.provider}/${call.model}` }),
        h('span', {
          class: 'detail',
          'data-latency': call.endedAt - call.startedAt,
          text: ms(call.endedAt - call.startedAt),
        }),
        h('span', {
          class: 'detail',
          'data-tokens': call.usage ? call.usage.totalTokens : '',
          text: usage,
        }),
        call.finishReason ? h('span', { class: 'detail', text: call.finishReason }) : null,
      ),
    );
    for (const message of call.prompt) {
      details.append(
        h(
          'div',
          { class: 'message', 'data-role': message.role },
          h('span', { class: 'label', text: message.role }),
          h('pre', { class: 'prompt', text: message.content }),
        ),
      );
    }
    if (call.reply !== undefined) {
      details.append(
        h(
          'div',
          { class: 'message', 'data-role': 'reply' },
          h('span', { class: 'label', text: 'reply' }),
          h('pre', { class: 'reply', text: call.reply }),
        ),
      );
    }
    if (call.toolCalls) {
      for (const tool of call.toolCalls)
        details.append(jsonBlock(`tool call ${tool.name}`, tool.arguments));
    }
    if (call.error) {
      details.append(
        h('div', { class: 'error-line', text: `${call.error.code}: ${call.error.message}` }),
      );
    }
    return details;
  }

  function turnView(turn, index) {
    const took = turn.endedAt - turn.startedAt;
    const tokens = turn.usage
      ? turn.usage.totalTokens
      : turn.calls.reduce((s, c) => s + (c.usage ? c.usage.totalTokens : 0), 0);
    const details = h(
      'details',
      {
        class: 'turn',
        'data-turn': index,
        'data-agent': turn.agent,
        'data-error': turn.error ? 'true' : 'false',
        open: true,
      },
      h(
        'summary',
        {},
        h('span', {
          class: 'badge',
          'data-tone': turn.error ? 'crit' : 'accent',
          text: `step ${turn.step}`,
        }),
        h('strong', { class: 'mono', text: turn.agent }),
        turn.predictor ? h('span', { class: 'detail', text: turn.predictor }) : null,
        h('span', {
          class: 'detail',
          text: `${ms(took)} · ${num(tokens, 1)} tokens · ${turn.calls.length} call${turn.calls.length === 1 ? '' : 's'}`,
        }),
      ),
      jsonBlock('input', turn.input),
      jsonBlock('output', turn.output),
    );
    if (turn.error)
      details.append(
        h('div', { class: 'error-line', text: `${turn.error.code}: ${turn.error.message}` }),
      );
    turn.calls.forEach((call, i) => {
      details.append(callView(call, i));
    });
    return details;
  }

  async function showRun(runId, scroll = true) {
    runsView.selected = runId;
    for (const li of $('run-list').querySelectorAll('li[data-run]')) {
      li.setAttribute('aria-selected', String(li.dataset.run === runId));
    }
    let run;
    try {
      run = await fetchJson(`/api/runs/${encodeURIComponent(runId)}`);
    } catch (error) {
      $('run-detail').replaceChildren(
        h('p', { class: 'empty', text: `Could not load run ${runId}: ${error.message}` }),
      );
      return;
    }
    if (runsView.selected !== runId) return;
    const open = new Set(
      [...$('run-detail').querySelectorAll('details.call[open]')].map(
        (d) => `${d.parentElement.dataset.turn}:${d.dataset.call}`,
      ),
    );
    const detail = h(
      'div',
      { class: 'run', 'data-run': run.runId },
      h(
        'h3',
        {},
        h('span', { class: 'mono', text: run.runId }),
        h('span', {
          class: 'detail',
          text: ` · ${stamp(run.startedAt)} · ${ms(run.endedAt - run.startedAt)} · ${num(run.tokens, 1)} tokens · cost ${money(run.cost)}`,
        }),
      ),
      ...run.turns.map(turnView),
    );
    $('run-detail').replaceChildren(detail);
    for (const d of $('run-detail').querySelectorAll('details.call')) {
      if (open.has(`${d.parentElement.dataset.turn}:${d.dataset.call}`)) d.open = true;
    }
    $('run-detail').dataset.run = run.runId;
    if (scroll) $('run-detail').scrollTop = 0;
  }

  function wireRunControls() {
    $('run-filter').addEventListener('input', renderRunList);
    $('run-errors').addEventListener('change', renderRunList);
    const pick = (e) => {
      const li = e.target.closest('li[data-run]');
      if (li) showRun(li.dataset.run);
    };
    $('run-list').addEventListener('click', pick);
    $('run-list').addEventListener('keydown', (e) => {
      if (e.key === 'Enter') pick(e);
    });
  }

  // History: a time range over the monitor's store (memory, or SQLite across restarts), for a
  // tracked series of the team or a per-agent series of one agent.
  const AGENT_SERIES = [
    ['agent.messages_per_second', 'messages / s'],
    ['agent.mailbox_depth', 'mailbox depth'],
    ['agent.errors', 'errors in window'],
    ['agent.restarts', 'restarts'],
    ['agent.tokens', 'tokens (total)'],
    ['agent.cost', 'cost (total)'],
  ];
  const historyPlots = [];

  function renderHistoryOptions() {
    const agentSelect = $('history-agent');
    const chosenAgent = agentSelect.value;
    agentSelect.replaceChildren(
      h('option', { value: '', text: 'whole team' }),
      ...state.agents.map((a) => h('option', { value: a.id, text: a.id })),
    );
    agentSelect.value = state.agents.some((a) => a.id === chosenAgent) ? chosenAgent : '';
    const seriesSelect = $('history-series');
    const chosen = seriesSelect.value;
    const options = agentSelect.value
      ? AGENT_SERIES.map(([value, text]) => ({ value, text }))
      : state.series.map((name) => ({ value: name, text: name }));
    seriesSelect.replaceChildren(...options.map((o) => h('option', o)));
    if (options.some((o) => o.value === chosen)) seriesSelect.value = chosen;
  }

  function localInput(at) {
    const d = new Date(at);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  }

  function historyRange() {
    const range = $('history-range').value;
    const now = state.window ? state.window.at : state.now;
    if (range === 'all') return {};
    if (range === 'custom') {
      const from = Date.parse($('history-from').value);
      const to = Date.parse($('history-to').value);
      return {
        ...(Number.isNaN(from) ? {} : { from }),
        ...(Number.isNaN(to) ? {} : { to }),
      };
    }
    return { from: now - Number(range), to: now };
  }

  async function loadHistory() {
    const series = $('history-series').value;
    const agent = $('history-agent').value;
    const host = $('history');
    if (!series) return;
    const range = historyRange();
    const query = new URLSearchParams({ series });
    if (agent) query.set('agent', agent);
    if (range.from !== undefined) query.set('from', String(range.from));
    if (range.to !== undefined) query.set('to', String(range.to));
    host.dataset.loading = 'true';
    let list;
    try {
      const response = await fetch(`/api/history?${query}`, { credentials: 'same-origin' });
      if (!response.ok) throw new Error(`${response.status}: ${(await response.text()).trim()}`);
      list = await response.json();
    } catch (error) {
      host.replaceChildren(
        h('p', { class: 'empty', text: `Could not load the history: ${error.message}` }),
      );
      host.dataset.loading = 'false';
      return;
    }
    for (const plot of historyPlots.splice(0)) plot.destroy();
    const label = agent ? `${agent} · ${series}` : series;
    $('history-sub').textContent = list.length
      ? `· ${label}: ${list.length} point${list.length === 1 ? '' : 's'}, ${stamp(list[0].at)} – ${stamp(list[list.length - 1].at)}`
      : `· ${label}: no stored points in the range`;
    host.dataset.points = String(list.length);
    host.dataset.loading = 'false';
    if (list.length === 0) {
      host.replaceChildren(h('p', { class: 'empty', text: 'No stored points in this range.' }));
      return;
    }
    const box = h('div', { class: 'chart', 'data-chart': `history:${label}` });
    host.replaceChildren(box);
    const historyPlot = new uPlot(
      {
        width: chartWidth(host),
        height: 200,
        legend: { show: false },
        scales: { x: TIME_SCALE },
        axes: [timeAxis(), { ...AXIS, size: 56 }],
        series: [
          {},
          {
            label,
            stroke: PALETTE[0],
            width: 2,
            fill: `${PALETTE[0]}22`,
            points: { show: list.length < 60 },
          },
        ],
      },
      [list.map((p) => p.at / 1000), list.map((p) => p.value)],
      box,
    );
    historyPlots.push(historyPlot);
    widenSinglePoint(
      historyPlot,
      list.map((p) => p.at / 1000),
    );
  }

  function wireHistoryControls() {
    $('history-range').addEventListener('change', () => {
      const custom = $('history-range').value === 'custom';
      $('history-from').hidden = !custom;
      $('history-to').hidden = !custom;
      if (custom && state) {
        const now = state.window ? state.window.at : state.now;
        if (!$('history-from').value) $('history-from').value = localInput(now - 15 * 60_000);
        if (!$('history-to').value) $('history-to').value = localInput(now);
      }
    });
    $('history-agent').addEventListener('change', () => {
      renderHistoryOptions();
      loadHistory();
    });
    $('history-series').addEventListener('change', () => loadHistory());
    $('history-load').addEventListener('click', () => loadHistory());
  }

  // Rendering: only the panels a frame touched, once per animation frame.
  const PANELS = [
    'header',
    'kpis',
    'tree',
    'agents',
    'topology',
    'feed',
    'timeline',
    'charts',
    'optimizer',
    'history-agents',
    'runs',
    'nodes',
  ];

  function render() {
    if (!state) return;
    const todo = new Set(dirty);
    dirty.clear();
    if (todo.has('header')) renderHeader();
    if (todo.has('kpis')) renderKpis();
    if (todo.has('tree')) renderTree();
    if (todo.has('agents')) renderAgents();
    if (todo.has('topology')) renderTopology();
    if (todo.has('feed')) renderFeed();
    if (todo.has('timeline')) renderTimeline();
    if (todo.has('charts-build')) buildCharts();
    else if (todo.has('charts')) updateCharts();
    if (todo.has('optimizer')) renderOptimizer();
    if (todo.has('history-agents') || todo.has('charts-build')) renderHistoryOptions();
    if (todo.has('runs')) refreshRuns();
    if (todo.has('nodes')) renderNodes();
    if (todo.has('charts-build') && !historyLoaded) {
      historyLoaded = true;
      loadHistory();
    }
    document.body.dataset.version = String(version);
    document.body.dataset.ready = 'true';
  }

  let events = null;
  function connect() {
    events = new EventSource('/events');
    events.addEventListener('open', () => setConn('live', 'live'));
    events.addEventListener('error', () => setConn('reconnecting', 'reconnecting…'));
    events.addEventListener('full', (e) => {
      applyFull(JSON.parse(e.data));
      setConn('live', 'live');
      requestRender();
    });
    events.addEventListener('patch', (e) => {
      if (!state) return;
      if (!applyPatch(JSON.parse(e.data))) {
        // Out of step with the server: start over from a full frame.
        events.close();
        state = null;
        connect();
        return;
      }
      requestRender();
    });
  }

  let historyLoaded = false;
  wireAgentControls();
  wireHistoryControls();
  wireRunControls();
  // A click on an agent shows its own history below.
  $('agents')
    .querySelector('tbody')
    .addEventListener('click', (e) => {
      const row = e.target.closest('tr[data-agent]');
      if (!row) return;
      $('history-agent').value = row.dataset.agent;
      renderHistoryOptions();
      loadHistory();
    });

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
