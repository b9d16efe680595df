import type { JsonValue, LanguageModel } from '@varplane/core';
import { instructionTarget } from './demos';
import type { OptimizerContext } from './optimizer';

function parseList(text: string): string[] {
  const start = text.indexOf('[');
  const end = text.lastIndexOf(']');
  if (start < 0 || end <= start) return [];
  try {
    const value: unknown = JSON.parse(text.slice(start, end + 1));
    return Array.isArray(value)
      ? value.filter((item): item is string => typeof item === 'string')
      : [];
  } catch {
    return [];
  }
}

/**
 * Asks the LM, once per agent instruction, for `count` alternative instructions grounded in a few
 * training examples. Returns the new candidates by joint variable id; proposals that do not fit
 * the variable (length) or repeat a known one are dropped.
 */
export async function proposeInstructions<O>(
  context: OptimizerContext<O>,
  lm: LanguageModel,
  count: number,
): Promise<Record<string, JsonValue[]>> {
  const { team, engine, random } = context;
  const out: Record<string, JsonValue[]> = {};
  const samples = context.trainIndices.slice(0, 3).map((i) => {
    const example = context.examples[i];
    return { input: example?.input, expectedOutput: example?.expectedOutput ?? null };
  });
  for (const agentId of Object.keys(team.agentParts)) {
    const id = instructionTarget(team, agentId);
    const variable = id === undefined ? undefined : team.variables.get(id);
    if (id === undefined || variable?.kind !== 'text') continue;
    const prompt = JSON.stringify({
      agent: agentId,
      role: team.space.agents[agentId]?.role ?? null,
      purpose: variable.description,
      currentInstruction: team.current[id] ?? variable.default,
      examples: samples,
      ask: `Write ${count} different, better instructions for this agent. Reply with a JSON array of strings only.`,
    });
    const reply = await engine.generate(lm, {
      messages: [
        { role: 'system', content: 'You write instructions for AI agents that work in a team.' },
        { role: 'user', content: prompt },
      ],
      temperature: 1,
      maxTokens: 200 * count,
      seed: random.int(0, 0x7fffffff),
    });
    if ('reason' in reply) {
      context.skip('instruction_proposals', reply.reason);
      continue;
    }
    const known = new Set<string>([variable.default, ...variable.candidates]);
    const fresh: string[] = [];
    for (const proposal of parseList(reply.response.text)) {
      const text = proposal.trim();
      if (text.length < variable.minLength || text.length > variable.maxLength || known.has(text)) {
        continue;
      }
      known.add(text);
      fresh.push(text);
      if (fresh.length >= count) break;
    }
    if (fresh.length === 0) {
      context.skip('instruction_proposals', `the LM proposed no usable instruction for ${agentId}`);
    }
    out[id] = fresh;
  }
  return out;
}
