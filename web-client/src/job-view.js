// SPDX-License-Identifier: MIT
// job-view.js — the last command's outcome under the actions: one line,
// a bar coloured by outcome (running, done, failed, cancelled) and each
// device's state with the reason.

import { $, el } from './dom.js';

export class JobView {
  #root = $('job');
  #bar = $('job-bar');
  #key = '';

  /** Show job (jobs.Job) at time now; label(id) names a device. */
  show(job, now, label) {
    if (!job) { this.#root.hidden = true; return; }
    this.#root.hidden = false;
    this.#root.dataset.outcome = job.outcome;
    $('job-summary').textContent = job.summary(now, label);
    const pct = Math.round(job.fraction(now) * 100);
    this.#bar.firstElementChild.style.width = `${pct}%`;
    this.#bar.setAttribute('aria-valuenow', String(pct));
    this.#bar.setAttribute('aria-valuetext', `${pct} %`);
    const rows = [...job.devices.keys()].map((d) => [d, job.devices.get(d).state, job.describe(d)]);
    const key = JSON.stringify(rows);
    if (key === this.#key) return;
    this.#key = key;
    const ul = $('job-devices');
    ul.hidden = job.devices.size < 1;
    ul.replaceChildren(...rows.slice(0, 200).map(([d, state, text]) => {
      const li = el('li');
      li.append(el('span', 'jd-name', label(d)), el('span', `jd-state ${state}`, text));
      return li;
    }));
    if (rows.length > 200) ul.append(el('li', 'muted', `and ${rows.length - 200} more`));
  }
}
