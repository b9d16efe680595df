import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runScenario } from './scenario';

const folder = fileURLToPath(new URL('./scenarios/', import.meta.url));
const scripts = readdirSync(folder).filter((file) => file.endsWith('.txt'));

describe('raft scenario scripts', () => {
  for (const file of scripts) {
    it(file.replace(/\.txt$/, ''), () => {
      runScenario(readFileSync(`${folder}${file}`, 'utf8'), file);
    });
  }

  it('a failed expectation names its line', () => {
    expect(() =>
      runScenario('cluster a b c\ncampaign a\nstabilize\nexpect-leaders b', 'x'),
    ).toThrow(/x:4: expect-leaders b\n {2}expectation failed; leaders: a/);
  });
});
