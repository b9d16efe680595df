/**
 * Valid calls per target, as data: arguments that give a value. Near-valid inputs are these with
 * one argument or one field changed. A string `@name` stands for the fixture `name` (fixtures.ts).
 * Keys are target ids; `strategy:<kind>.<method>` serves every strategy of that kind.
 */
export const VALID_CALLS: Readonly<Record<string, readonly (readonly unknown[])[]>> = {
  // core: the multi-agent space
  'core.createMultiAgentSpace': [
    [{ id: 'team', topology: 'ring', resourcePool: { memory: 1024 } }],
  ],
  'core.registerAgent': [['@space', { id: 'tester', behaviour: 'tester', role: 'executor' }]],
  'core.removeAgent': [['@agentsOnly', 'coder']],
  'core.setAgentStatus': [['@space', 'coder', 'inactive']],
  'core.setAgentRole': [['@space', 'coder', 'coordinator']],
  'core.setLocalConfiguration': [['@space', 'coder', { temperature: 0.5 }]],
  'core.addOrchestrationVariable': [['@agentsOnly', '@selection']],
  'core.replaceOrchestrationVariable': [['@space', '@selection']],
  'core.setVariableValue': [['@space', 'team', ['coder']]],
  'core.connectAgents': [['@space', 'planner', 'coder', 'command']],
  'core.disconnectAgents': [['@space', 'planner', 'coder']],
  'core.setTopology': [['@space', 'mesh', { hub: 'planner' }]],
  'core.updateMetrics': [['@space', '@metrics']],
  'core.updateResourcePool': [['@space', { memory: 512, concurrency: 4 }]],
  'core.addScalingPolicy': [
    [
      '@space',
      {
        agent: 'coder',
        metric: 'mailboxDepth',
        scaleUpThreshold: 10,
        scaleDownThreshold: 1,
        maxInstances: 3,
      },
    ],
  ],
  'core.recordAdaptation': [
    [
      '@space',
      {
        id: 'event-2',
        timestamp: 2,
        trigger: 'fault_detected',
        operation: 'x',
        changes: [],
        outcome: 'success',
        performanceImpact: 0,
      },
    ],
  ],
  'core.findAdaptation': [['@space', 'event-1']],
  'core.neighboursOf': [['@graph', 'planner']],
  'core.topologyEdges': [['ring', ['a', 'b', 'c']]],
  // core: variables and spaces
  'core.float': [['temperature', { range: [0, 2], default: 0.7 }]],
  'core.integer': [['maxTokens', { range: [1, 4096], default: 256 }]],
  'core.choice': [['style', { choices: ['terse', 'verbose'] }]],
  'core.boolean': [['useTools', { default: false }]],
  'core.text': [['instructions', { default: 'Answer briefly.' }]],
  'core.createVariableSpace': [['@variables']],
  'core.createVariableSpace().validate': [[{ temperature: 0.5, maxTokens: 10, style: 'terse' }]],
  'core.createVariableSpace().check': [[{ temperature: 0.5, maxTokens: 10, style: 'terse' }]],
  'core.createVariableSpace().sample': [['@random']],
  'core.createVariableSpace().sampleMany': [[3, '@random']],
  'core.agentSelection': [['team', { agents: ['planner', 'coder'] }]],
  'core.checkOrchestrationValue': [['@selection', ['coder']]],
  'core.coordinate': [
    [
      '@selection',
      ['coder'],
      {
        agents: {
          planner: { status: 'active', role: 'coordinator' },
          coder: { status: 'active', role: 'executor' },
        },
      },
    ],
  ],
  'core.adapt': [['@selection', '@metrics']],
  'core.temperature': [[{ default: 0.5 }]],
  'core.maxTokens': [[{ range: [1, 100], default: 50 }]],
  // core: helpers
  'core.createRandom': [[7]],
  'core.createRandom().int': [[1, 6]],
  'core.createRandom().float': [[0, 1]],
  'core.createRandom().pick': [[['a', 'b']]],
  'core.createRandom().pickWeighted': [
    [
      ['a', 'b'],
      [1, 2],
    ],
  ],
  'core.createRandom().shuffle': [[[1, 2, 3]]],
  'core.createManualClock': [[0]],
  'core.createManualClock().advance': [[10]],
  'core.agentRef': [['coder', 'local']],
  'core.parseAgentRef': [['coder@local']],
  'core.formatAgentRef': [[{ id: 'coder', node: 'local' }]],
  'core.byPriority': [[['@directive']]],
  'core.directive': [['coder', 'start', { priority: 10 }]],
  'core.VarplaneError': [[{ code: 'SOME_CODE', message: 'a message' }]],
  'core.createStrategyRegistry().register': [['@strategy']],
  // runtime: so the fuzzer reaches the methods of actor systems, running spaces and the rest
  'runtime.createActorSystem': [[{ node: 'local' }]],
  'runtime.createActorSystem().spawn': [['@echo', 0]],
  'runtime.createActorSystem().send': [[{ id: 'nobody', node: 'local' }, 'hello']],
  'runtime.startSpace': [['@space', { behaviours: { planner: '@echo', coder: '@echo' } }]],
  'runtime.startSpace().call': [['coder', 'hello', { timeout: 200 }]],
  'runtime.startSpace().send': [['coder', 'hello']],
  'runtime.startSpace().setVariable': [['team', ['coder']]],
  'runtime.startSpace().applyDirectives': [[['@directive']]],
  'runtime.startSpace().adaptSystem': [['@metrics']],
  'runtime.startSpace().handleAgentFailure': [['coder', 'crashed']],
  'runtime.startSpace().instances': [['coder']],
  'runtime.createSupervisor': [
    [{ id: 'sup', strategy: 'one_for_one', children: [{ id: 'worker', behaviour: '@echo' }] }],
  ],
  'runtime.createRouter': [['round_robin', ['coder', 'coder:2'], '@zero']],
  'runtime.createRouter().next': [[]],
  'runtime.createRestartWindow': [[2, 1_000]],
  'runtime.createDecider': [[[{ match: { code: 'RATE_LIMITED' }, decision: 'backoff' }]]],
  'runtime.createLiveTopology': [['@graph']],
  'runtime.createNameRegistry().register': [['coder', { id: 'coder', node: 'local' }]],
  'runtime.createNameRegistry().whereis': [['coder']],
  'runtime.createResourceLedger': [[{ memory: 1024, concurrency: 4 }]],
  'runtime.createResourceLedger().reserve': [['coder', { memory: 100 }]],
  'runtime.createResourceLedger().release': [['coder']],
  // teleprompters
  'teleprompters.createTeamSpace': [['@space']],
  'teleprompters.createTpeSampler': [['@variableSpace', { startupTrials: 2 }]],
  'teleprompters.createTpeSampler().suggest': [[[], '@random', { temperature: 0.5 }]],
  'teleprompters.createMemoryCheckpointStore().save': [[{ version: 1, trials: [] }]],
  'teleprompters.createRunTraceSink().record': [[{ runId: 'run-1', agent: 'coder', output: 'a' }]],
  'strategy:mutation.mutate': [['@variableSpace', { temperature: 0.5 }, 0.5, '@strategyContext']],
  // dspex-bridge
  'dspex-bridge.signature': [['question -> answer']],
  'dspex-bridge.predict': [['@signature', { lm: '@simulatedModel' }]],
  'dspex-bridge.predict().call': [[{ question: 'What is 2 + 3?' }]],
  'dspex-bridge.chainOfThought': [['@signature', { lm: '@simulatedModel' }]],
  'dspex-bridge.chainOfThought().call': [[{ question: 'What is 2 + 3?' }]],
  'dspex-bridge.createSimulatedLanguageModel': [[{}]],
  'dspex-bridge.createSimulatedLanguageModel().generate': [
    [{ messages: [{ role: 'user', content: 'What is 2 + 3?' }] }],
  ],
  'dspex-bridge.createSimulatedLanguageModel().stream': [
    [{ messages: [{ role: 'user', content: 'What is 2 + 3?' }] }],
  ],
  'dspex-bridge.createCostModel': [[{ prices: { small: { input: 1, output: 1 } }, per: 1 }]],
  'dspex-bridge.createLanguageModelRegistry': [[['@simulatedModel']]],
  'dspex-bridge.createRecordReplayLanguageModel': [
    [{ model: '@simulatedModel', store: '@cacheStore', mode: 'record' }],
  ],
  'dspex-bridge.createRecordReplayLanguageModel().generate': [
    [{ messages: [{ role: 'user', content: 'What is 2 + 3?' }] }],
  ],
  'dspex-bridge.example': [[{ question: 'q' }, { answer: 'a' }]],
  'dspex-bridge.formatPrompt': [['@signature', { inputs: { question: 'q' }, format: 'json' }]],
  // telemetry
  'telemetry.createAggregator': [['errors', 'sum']],
  'telemetry.createAggregator().add': [[2]],
  'telemetry.createMemoryStore().append': [[[{ at: 1_000, series: 'mailbox_depth', value: 3 }]]],
  'telemetry.createMemoryStore().query': [[{ from: 0, to: 2_000 }]],
  'telemetry.createQuantileSketch().add': [[1.5]],
  'telemetry.instrumentLanguageModel': [['@simulatedModel']],
  'telemetry.instrumentLanguageModel().generate': [
    [{ messages: [{ role: 'user', content: 'What is 2 + 3?' }] }],
  ],
};

export function validCallsFor(id: string, fallback?: string): readonly (readonly unknown[])[] {
  return VALID_CALLS[id] ?? (fallback === undefined ? undefined : VALID_CALLS[fallback]) ?? [];
}
