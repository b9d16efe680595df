import type { CallRecipe } from './hostile';

/**
 * Failures of other owners' packages, recorded so the suite can land before their fixes. Each
 * entry names the target, the outcome, and an input that shows it; every run replays that input,
 * and an entry whose input no longer fails that way fails the suite, so the list only shrinks.
 * `pnpm fuzz --list-known` prints entries for every failure it finds.
 */
export interface KnownFailure {
  readonly target: string;
  readonly outcome: string;
  /** Who fixes it (issue 16's owner of that package). */
  readonly owner: string;
  readonly input: CallRecipe;
}

// One entry a line, so the list reads (and shrinks) as a table.
// biome-ignore format: one entry a line
export const KNOWN_FAILURES: readonly KnownFailure[] = [
  // coordination
  { target: "coordination.ConflictResolutionError", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"throwingProxy"}]} }, // Error: the hostile input’s own error escaped
  { target: "coordination.ConsensusError", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"null"}]} }, // TypeError: Cannot read properties of null (reading 'tally')
  { target: "coordination.HierarchyError", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"throwingProxy"}]} }, // Error: the hostile input’s own error escaped
  { target: "coordination.NegotiationError", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"json","v":null}]} }, // TypeError: Cannot read properties of null (reading 'reason')
  { target: "coordination.StrategyExecutionError", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"undefined"}]} }, // TypeError: Cannot read properties of undefined (reading 'strategy')
  { target: "coordination.askAgent", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"throwingFunctionProxy"}]} }, // Error: the hostile input’s own error escaped
  { target: "coordination.askAgents", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"json","v":{"iQ}":-6.598312293079486e-164,"6zF\".]":"u","p":null,"Uwb|eXP{;":null,"wj":null}}]} }, // TypeError: Cannot read properties of undefined (reading 'map')
  { target: "coordination.assertFeasible", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"throwingFunctionProxy"}]} }, // Error: the hostile input’s own error escaped
  { target: "coordination.attachConditions", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"set"},{"k":"special","name":"\"toString\""}]} }, // TypeError: requests.forEach is not a function
  { target: "coordination.builtinStrategies()[compromise].resolve", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"deepArray"},{"k":"json","v":{"9doEGX;G4p":"","zS,7W,_#":1.7976931348623141e+308,"\"":"%;Z-Sn","za\"}%:":false,"ze!":"t %$c","ZK_":"(","^2pyag ]y":false,"i ":null}}]} }, // TypeError: Cannot read properties of undefined (reading 'now')
  { target: "coordination.builtinStrategies()[dominant_resource_fairness].allocate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"rejectingFunction"}]} }, // TypeError: requests.forEach is not a function
  { target: "coordination.builtinStrategies()[dutch].negotiate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"emptyArray"},{"k":"special","name":"sparseArray"}]} }, // TypeError: Cannot read properties of undefined (reading 'allowed')
  { target: "coordination.builtinStrategies()[english].negotiate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"json","v":[-1.0160946204093781e+243]}]} }, // TypeError: Cannot read properties of undefined (reading 'allowed')
  { target: "coordination.builtinStrategies()[first_price].negotiate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"\"__proto__\""}]} }, // TypeError: Cannot read properties of undefined (reading 'allowed')
  { target: "coordination.builtinStrategies()[genetic].negotiate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"rejectedPromise"}]} }, // TypeError: Cannot read properties of undefined (reading 'allowed')
  { target: "coordination.builtinStrategies()[hierarchical].negotiate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"json","v":[false,null,"W","!GUr|D:",null,null]}]} }, // TypeError: Cannot read properties of undefined (reading '0')
  { target: "coordination.builtinStrategies()[leader_election].resolve", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"json","v":{"G^nzb'(":false,"S__":{"v]":-5.196376280779026e+306,"[":-7.918364987627827e-72,"9z\"I_1,B":"JJuZ"}}}]} }, // TypeError: conflicts is not iterable
  { target: "coordination.builtinStrategies()[market_based].negotiate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"json","v":true}]} }, // TypeError: Cannot read properties of undefined (reading 'forEach')
  { target: "coordination.builtinStrategies()[max_min_fairness].allocate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"throwingToString"},{"k":"json","v":{}}]} }, // TypeError: requests.map is not a function
  { target: "coordination.builtinStrategies()[priority].allocate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"json","v":{"FP":[true],"-YOSN7r_io":null}},{"k":"special","name":"cyclicObject"}]} }, // TypeError: requests.map is not a function
  { target: "coordination.builtinStrategies()[priority_based].resolve", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"\"__proto__\""}]} }, // TypeError: conflicts.map is not a function
  { target: "coordination.builtinStrategies()[proportional_share].allocate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"json","v":-7.619671688623334e-14}]} }, // TypeError: requests.map is not a function
  { target: "coordination.builtinStrategies()[quorum].decide", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"protoKeyObject"}]} }, // TypeError: request.votes is not iterable
  { target: "coordination.builtinStrategies()[simple_majority].decide", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"-1"}]} }, // TypeError: request.votes is not iterable
  { target: "coordination.builtinStrategies()[unanimous].decide", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"rejectingFunction"}]} }, // TypeError: request.votes is not iterable
  { target: "coordination.builtinStrategies()[vickrey].negotiate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"protoKeyObject"}]} }, // TypeError: Cannot read properties of undefined (reading 'allowed')
  { target: "coordination.builtinStrategies()[voting].resolve", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"garbageFunction"},{"k":"special","name":"-Infinity"}]} }, // TypeError: conflicts is not iterable
  { target: "coordination.builtinStrategies()[weighted].decide", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"\"toString\""}]} }, // TypeError: request.votes is not iterable
  { target: "coordination.builtinStrategies()[weighted_consensus].negotiate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"\"__proto__\""}]} }, // TypeError: Cannot read properties of undefined (reading 'allowed')
  { target: "coordination.constrainValue", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"-1e308"}]} }, // TypeError: Cannot destructure property 'min' of 'constraints' as it is undefined.
  { target: "coordination.coordinateResources", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"throwingProxy"},{"k":"special","name":"invalidDate"}]} }, // Error: the hostile input’s own error escaped
  { target: "coordination.createCompromiseResolution().resolve", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"regexp"}]} }, // TypeError: Cannot read properties of undefined (reading 'clock')
  { target: "coordination.createCoordinationRegistry", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"json","v":null}]} }, // TypeError: plugins is not iterable
  { target: "coordination.createDominantResourceFairness().allocate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"json","v":[{"B":-1.5770745121402501e+147,"UvMLT":null,"'>$  3!]k":-1.9501660847252994e+296,"":-6.667311816742707e+187,"y+U)_+X":-7.695447365892508e+255,"zTpL":null,"q`.O":-1.249160499467491e+238},[1.7976931348623131e+308,"Ww&",null,-9.835050442208268e-255,null,1e-323,"^GpK","U\"B!{b4__l",-3.010661629899661e+70,true],null]}]} }, // TypeError: Cannot read properties of null (reading 'resourceType')
  { target: "coordination.createDutchAuction().negotiate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"\"constructor\""}]} }, // TypeError: Cannot read properties of undefined (reading 'allowed')
  { target: "coordination.createEnglishAuction().negotiate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"cyclicArray"},{"k":"special","name":"throwingToString"}]} }, // TypeError: Cannot read properties of undefined (reading 'allowed')
  { target: "coordination.createFirstPriceAuction().negotiate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"frozenObject"}]} }, // TypeError: Cannot read properties of undefined (reading 'allowed')
  { target: "coordination.createGeneticNegotiation().negotiate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"1e308"}]} }, // TypeError: Cannot read properties of undefined (reading 'allowed')
  { target: "coordination.createHierarchicalNegotiation().negotiate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"\"hasOwnProperty\""},{"k":"special","name":"protoKeyObject"}]} }, // TypeError: Cannot read properties of undefined (reading '0')
  { target: "coordination.createLeaderElection().resolve", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"set"}]} }, // TypeError: Cannot read properties of undefined (reading 'map')
  { target: "coordination.createMarketBasedNegotiation().negotiate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"nullPrototype"},{"k":"json","v":[null]}]} }, // TypeError: Cannot read properties of undefined (reading 'forEach')
  { target: "coordination.createMaxMinFairnessAllocator().allocate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"json","v":{"_r":null,"t":"vu","7gt\\":"3","Wa/3Y4":"P-h-"}},{"k":"special","name":"-Infinity"}]} }, // TypeError: requests.map is not a function
  { target: "coordination.createPriorityAllocator().allocate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"\"constructor\""},{"k":"json","v":{"d!":false,"":"valueOf","(>Wf<4":"#\"","D|2d\"\"(c+\"":"+Z","r##":-3.2304777403800957e-50,"@@Dr":true,"we":true,"CqAXvw5":"/~P"}}]} }, // TypeError: requests.map is not a function
  { target: "coordination.createPriorityResolution().resolve", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"MAX_SAFE_INTEGER+2"}]} }, // TypeError: conflicts.map is not a function
  { target: "coordination.createProportionalShareAllocator().allocate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"\"toString\""}]} }, // TypeError: requests.map is not a function
  { target: "coordination.createQuorumConsensus().decide", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"loneSurrogate"}]} }, // TypeError: request.votes is not iterable
  { target: "coordination.createSimpleMajority().decide", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"cyclicObject"}]} }, // TypeError: request.votes is not iterable
  { target: "coordination.createUnanimous().decide", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"json","v":{"*r":false,"":false,").xUu*":1.6066691926951798e+68,"YG%R@{e":null,"n]n!ShUL4":"QvwI)x#.o7","2%h":null}}]} }, // TypeError: request.votes is not iterable
  { target: "coordination.createVickreyAuction().negotiate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"protoKeyObject"}]} }, // TypeError: Cannot read properties of undefined (reading 'allowed')
  { target: "coordination.createVotingResolution().resolve", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"json","v":{}}]} }, // TypeError: conflicts is not iterable
  { target: "coordination.createWeightedConsensus().negotiate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"bigint"}]} }, // TypeError: Cannot read properties of undefined (reading 'allowed')
  { target: "coordination.createWeightedVoting().decide", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"sparseArray"}]} }, // TypeError: request.votes is not iterable
  { target: "coordination.dominantShares", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"cyclicObject"}]} }, // TypeError: requests.forEach is not a function
  { target: "coordination.hierarchicalCoordination", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"json","v":null}]} }, // TypeError: Cannot read properties of null (reading 'id')
  { target: "coordination.isAdmissible", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"json","v":["tKmyd=d3c",2.403695064946317e+146,"",false,null,true,null]}]} }, // TypeError: Cannot read properties of undefined (reading 'allowed')
  { target: "coordination.isPreference", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"throwingGetters"}]} }, // Error: the hostile input’s own error escaped
  { target: "coordination.registerBuiltinStrategies", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"protoKeyObject"}]} }, // TypeError: registry.register is not a function
  { target: "coordination.resolveConflicts", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"throwingProxy"}]} }, // Error: the hostile input’s own error escaped
  { target: "coordination.satisfiesConstraints", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"json","v":false}]} }, // TypeError: Cannot read properties of undefined (reading 'allowed')
  // core
  { target: "core.adapt", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"valid","arg":0},{"k":"special","name":"throwingProxy"}]} }, // Error: the hostile input’s own error escaped
  { target: "core.addOrchestrationVariable", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"valid","arg":0},{"k":"special","name":"throwingGetters"}]} }, // Error: the hostile input’s own error escaped
  { target: "core.byPriority", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"1e308"}]} }, // TypeError: directives.map is not a function
  { target: "core.checkOrchestrationValue", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"valid","arg":0},{"k":"mutated","arg":1,"path":[0],"op":"throwing-getter","with":{"k":"json","v":null}}]} }, // Error: the hostile input’s own error escaped
  { target: "core.combineSpaces", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"throwingGetters"}]} }, // Error: the hostile input’s own error escaped
  { target: "core.coordinate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"valid","arg":0},{"k":"mutated","arg":1,"path":[0],"op":"throwing-getter","with":{"k":"special","name":"sparseArray"}},{"k":"valid","arg":2}]} }, // Error: the hostile input’s own error escaped
  { target: "core.createManualClock().clearTimeout", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"throwingProxy"}]} }, // Error: the hostile input’s own error escaped
  { target: "core.createRandom().pick", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"mutated","arg":0,"path":[0],"op":"throwing-getter","with":{"k":"special","name":"protoKeyObject"}}]} }, // Error: the hostile input’s own error escaped
  { target: "core.createRandom().pickWeighted", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"valid","arg":0},{"k":"mutated","arg":1,"path":[0],"op":"throwing-getter","with":{"k":"special","name":"\"constructor\""}}]} }, // Error: the hostile input’s own error escaped
  { target: "core.createRandom().shuffle", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"mutated","arg":0,"path":[0],"op":"throwing-getter","with":{"k":"special","name":"throwingThenable"}}]} }, // Error: the hostile input’s own error escaped
  { target: "core.createStrategyRegistry", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"protoKeyObject"}]} }, // TypeError: strategies is not iterable
  { target: "core.createVariableSpace().check", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"mutated","arg":0,"path":["temperature"],"op":"throwing-getter","with":{"k":"special","name":"throwingThenable"}}]} }, // Error: the hostile input’s own error escaped
  { target: "core.createVariableSpace().mutate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"throwingFunction"},{"k":"special","name":"throwingFunctionProxy"}]} }, // Error: the hostile input’s own error escaped
  { target: "core.createVariableSpace().sample", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"throwingFunctionProxy"}]} }, // Error: the hostile input’s own error escaped
  { target: "core.createVariableSpace().serialize", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"throwingGetters"}]} }, // Error: the hostile input’s own error escaped
  { target: "core.createVariableSpace().validate", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"throwingProxy"}]} }, // Error: the hostile input’s own error escaped
  { target: "core.float", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"valid","arg":0},{"k":"mutated","arg":1,"path":["range",0],"op":"replace","with":{"k":"special","name":"throwingProxy"}}]} }, // Error: the hostile input’s own error escaped
  { target: "core.formatAgentRef", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[]} }, // TypeError: Cannot read properties of undefined (reading 'id')
  { target: "core.frequencyPenalty", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"throwingGetters"}]} }, // Error: the hostile input’s own error escaped
  { target: "core.isSameAgent", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"error"}]} }, // TypeError: Cannot read properties of undefined (reading 'id')
  { target: "core.maxTokens", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"mutated","arg":0,"path":["default"],"op":"throwing-getter","with":{"k":"special","name":"1e308"}}]} }, // Error: the hostile input’s own error escaped
  { target: "core.neighboursOf", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"undefinedFunction"},{"k":"valid","arg":1}]} }, // TypeError: graph.edges is not iterable
  { target: "core.parseAgentRef", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[]} }, // TypeError: Cannot read properties of undefined (reading 'lastIndexOf')
  { target: "core.presencePenalty", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"throwingGetters"}]} }, // Error: the hostile input’s own error escaped
  { target: "core.reasoningStrategy", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"throwingGetters"}]} }, // Error: the hostile input’s own error escaped
  { target: "core.replaceOrchestrationVariable", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"valid","arg":0},{"k":"special","name":"throwingGetters"}]} }, // Error: the hostile input’s own error escaped
  { target: "core.setLocalConfiguration", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"valid","arg":0},{"k":"valid","arg":1},{"k":"mutated","arg":2,"path":["temperature"],"op":"throwing-getter","with":{"k":"special","name":"cyclicObject"}}]} }, // Error: the hostile input’s own error escaped
  { target: "core.setTopology", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"1e308"},{"k":"valid","arg":1},{"k":"valid","arg":2}]} }, // TypeError: Cannot convert undefined or null to object
  { target: "core.setVariableValue", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"valid","arg":0},{"k":"valid","arg":1},{"k":"mutated","arg":2,"path":[0],"op":"throwing-getter","with":{"k":"json","v":[]}}]} }, // Error: the hostile input’s own error escaped
  { target: "core.splitConfiguration", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"throwingGetters"}]} }, // Error: the hostile input’s own error escaped
  { target: "core.systemClock.clearTimeout", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"throwingFunctionProxy"}]} }, // Error: the hostile input’s own error escaped
  { target: "core.systemClock.setTimeout", outcome: "uncaught-exception", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"throwingFunction"},{"k":"json","v":0}]} }, // a callback that throws, thrown from its timer
  { target: "core.temperature", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"mutated","arg":0,"path":["default"],"op":"throwing-getter","with":{"k":"special","name":"rejectedPromise"}}]} }, // Error: the hostile input’s own error escaped
  { target: "core.topP", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"special","name":"throwingProxy"}]} }, // Error: the hostile input’s own error escaped
  { target: "core.topologyEdges", outcome: "untyped-throw", owner: "fuzz", input: {"call":0,"args":[{"k":"valid","arg":0},{"k":"special","name":"\"toString\""}]} }, // TypeError: nodes.forEach is not a function
  // telemetry
];
