// SPDX-License-Identifier: MIT
// filter.js — the fleet search box: a query string becomes one predicate
// over Device. Pure.
//
// Query syntax (words are ANDed, case-insensitive):
//   lab-3            id, name, location, layout, target or a group contains "lab-3"
//   group:lab        member of group lab (exact)
//   layout:de        layout is de (exact)
//   target:windows   target operating system (exact)
//   name:… loc:…     name / location contains
//   is:online is:offline is:busy is:idle is:unknown
//   host:connected host:disconnected host:unknown
//   caps:on caps:off num:on scroll:on
//   -word            negates any of the above

/**
 * The state chips above the list. Each key matches a count of
 * FleetStore.counts().
 */
export const STATE_FILTERS = Object.freeze({
  any: () => true,
  online: (d) => d.online === true,
  offline: (d) => d.online === false,
  busy: (d) => d.busy,
  hostdown: (d) => d.hostDown,
});

/** What the chips say, in their order. */
export const STATE_LABELS = Object.freeze([
  ['any', 'All'], ['online', 'Online'], ['offline', 'Offline'], ['busy', 'Busy'],
  ['hostdown', 'Computer not reading'],
]);

const has = (s, word) => s.toLowerCase().includes(word);

function term(word) {
  const i = word.indexOf(':');
  if (i > 0) {
    const key = word.slice(0, i);
    const val = word.slice(i + 1);
    const t = keyed(key, val);
    if (t) return t;
  }
  return (d) => has(d.id, word)
    || (!!d.status && (has(d.status.name, word) || has(d.status.location, word)
      || has(d.status.layout, word) || has(d.status.target, word)
      || d.status.groups.some((g) => has(g, word))));
}

function led(name, val) {
  const want = val === 'on' || val === 'true' || val === '1';
  return (d) => !!d.status && d.status.leds[name] === want;
}

function keyed(key, val) {
  switch (key) {
    case 'group': case 'g':
      return (d) => d.groups.some((g) => g.toLowerCase() === val);
    case 'layout': case 'l':
      return (d) => !!d.status && d.status.layout.toLowerCase() === val;
    case 'target': case 't':
      return (d) => !!d.status && d.status.target.toLowerCase() === val;
    case 'name': case 'n':
      return (d) => !!d.status && has(d.status.name, val);
    case 'location': case 'loc':
      return (d) => !!d.status && has(d.status.location, val);
    case 'host':
      return (d) => (d.status ? d.status.host : 'unknown') === val;
    case 'is':
      return isTerm(val);
    case 'caps': return led('caps', val);
    case 'num': return led('num', val);
    case 'scroll': return led('scroll', val);
    default: return null;
  }
}

function isTerm(val) {
  switch (val) {
    case 'online': return (d) => d.online === true;
    case 'offline': return (d) => d.online === false;
    case 'unknown': return (d) => d.online === null;
    case 'busy': return (d) => !!d.status && d.status.busy;
    case 'idle': return (d) => !!d.status && !d.status.busy;
    default: return () => false;
  }
}

/**
 * Compile a query and a STATE_FILTERS key into one predicate.
 * An empty query with state `any` matches everything.
 */
export function compileFilter(query, state = 'any') {
  const stateFn = STATE_FILTERS[state] || STATE_FILTERS.any;
  const words = String(query ?? '').toLowerCase().split(/\s+/).filter(Boolean);
  const terms = words.map((w) => {
    if (w.startsWith('-') && w.length > 1) {
      const t = term(w.slice(1));
      return (d) => !t(d);
    }
    return term(w);
  });
  return (d) => stateFn(d) && terms.every((t) => t(d));
}
