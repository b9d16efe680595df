import type { Configuration, LanguageModel, TraceRecord } from '@varplane/core';
import type { TeamExample } from '../team-example';
import { instructionTarget } from './demos';
import type { RunRecord } from './engine';
import type { OptimizerContext } from './optimizer';

const SYSTEM = [
  'You improve a team of AI agents. You see one task, a run of the team that scored well and a run',
  'that scored badly. For each agent, write one short, general piece of advice that would make it',
  'behave like the good run. Reply with a JSON object mapping agent ids to advice strings, and',
  'nothing else.',
].join(' ');

function describeRun(run: RunRecord): unknown {
  return {
    score: run.score,
    output: run.output,
    steps: (run.traces as readonly TraceRecord[]).map((trace) => ({
      agent: trace.agentId,
      input: trace.input,
      output: trace.output ?? null,
    })),
  };
}

/** The first JSON object in a reply, or undefined. */
function parseAdvice(text: string): Record<string, unknown> | undefined {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  try {
    const value: unknown = JSON.parse(text.slice(start, end + 1));
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * SIMBA's `append_rule` for teams: asks the LM for advice per agent from a good and a bad run of
 * the same example, and appends each piece to that agent's instruction. Returns the configuration
 * unchanged when the LM declines, fails or answers with nothing usable.
 */
export async function writeRules<O>(
  context: OptimizerContext<O>,
  configuration: Configuration,
  input: { example: TeamExample; good: RunRecord; bad: RunRecord; lm: LanguageModel },
): Promise<Configuration> {
  const { team, engine, random } = context;
  const agents = [
    ...new Set(
      [...input.good.traces, ...input.bad.traces].map((trace) => (trace as TraceRecord).agentId),
    ),
  ].filter((agentId) => instructionTarget(team, agentId) !== undefined);
  if (agents.length === 0) {
    context.skip('append_rule', 'no agent in the runs has an instruction (text) variable');
    return configuration;
  }
  const instructions = Object.fromEntries(
    agents.map((agentId) => [agentId, configuration[instructionTarget(team, agentId) as string]]),
  );
  const prompt = JSON.stringify({
    task: { input: input.example.input, expectedOutput: input.example.expectedOutput ?? null },
    instructions,
    goodRun: describeRun(input.good),
    badRun: describeRun(input.bad),
    answerFormat: Object.fromEntries(agents.map((agentId) => [agentId, 'advice'])),
  });
  const reply = await engine.generate(input.lm, {
    messages: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: prompt },
    ],
    temperature: 0.7,
    maxTokens: 400,
    seed: random.int(0, 0x7fffffff),
  });
  if ('reason' in reply) {
    context.skip('append_rule', reply.reason);
    return configuration;
  }
  const advice = parseAdvice(reply.response.text);
  if (advice === undefined) {
    context.skip('append_rule', 'the LM did not answer with a JSON object of advice');
    return configuration;
  }
  let current = configuration;
  for (const agentId of agents) {
    const text = advice[agentId];
    if (typeof text !== 'string' || text.trim() === '') continue;
    const id = instructionTarget(team, agentId) as string;
    const before = String(current[id] ?? '');
    const next = `${before}${before === '' ? '' : '\n\n'}Advice: ${text.trim()}`;
    const checked = team.variables.check({ ...current, [id]: next });
    if (checked.ok) current = checked.configuration;
  }
  return current;
}
