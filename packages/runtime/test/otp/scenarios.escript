#!/usr/bin/env escript
%% Runs varplane's supervision scenarios on real Erlang/OTP and prints their traces as JSON.
%% Input: a file of Erlang terms written by otp-fixtures.ts (one scenario a term, maps with atom
%% keys, strings as binaries). The same module is the supervisor callback, the worker callback and
%% the driver. Every worker traps exits, so it runs terminate when its supervisor stops it, as a
%% varplane agent does.
-module(scenarios).
-mode(compile).
-behaviour(gen_server).
-export([main/1, init/1, handle_call/3, handle_cast/2, handle_info/2, terminate/2,
         start_worker/2, start_dynamic/2, start_sup/1]).

main([Input, Output]) ->
    %% Crash reports are expected (the scenarios crash workers on purpose): keep them quiet.
    logger:set_primary_config(level, none),
    {ok, Scenarios} = file:consult(Input),
    Traces = [run(S) || S <- Scenarios],
    ok = file:write_file(Output, ["[", lists:join(",\n", [json(T) || T <- Traces]), "]\n"]).

%% ---------------------------------------------------------------------------------------------
%% Driver

run(#{name := Name} = Scenario) ->
    catch ets:delete(attempts),
    ets:new(attempts, [named_table, public]),
    Collector = spawn(fun() -> collect([], #{}, #{}) end),
    register(collector, Collector),
    Start = case maps:find(root, Scenario) of
        {ok, Root} ->
            Self = self(),
            spawn(fun() ->
                process_flag(trap_exit, true),
                Result = supervisor:start_link(?MODULE, {sup, Root}),
                Self ! {started, Result},
                receive never -> ok end
            end),
            receive {started, {ok, _}} -> [[<<"start">>, <<"ok">>]];
                    {started, _} -> [[<<"start">>, <<"error">>]]
            end;
        error -> []
    end,
    First = settle(300) ++ Start,
    Steps = [step(S) || S <- maps:get(steps, Scenario)],
    Final = case maps:find(root, Scenario) of
        {ok, #{id := RootId}} -> tree(RootId);
        error -> []
    end,
    exit(Collector, kill),
    timer:sleep(10),
    #{name => Name, steps => [First | Steps], final => Final}.

settle(Ms) ->
    timer:sleep(Ms),
    collector ! {take, self()},
    receive {events, Events} -> Events end.

step(Step) ->
    Result = act(Step),
    settle(maps:get(wait, Step, 300)) ++ Result.

act(#{crash := Id}) -> gen_server:cast(pid(Id), crash), [];
act(#{kill := Id}) -> exit(pid(Id), kill), [];
act(#{exit := Id, reason := Reason}) -> gen_server:cast(pid(Id), {stop, atom(Reason)}), [];
act(#{start_child := Sup, child := Child}) -> result(supervisor:start_child(pid(Sup), child_spec(Child)));
act(#{start_child := Sup, id := Id}) -> result(supervisor:start_child(pid(Sup), [Id]));
act(#{terminate_child := Sup, id := Id}) -> result(supervisor:terminate_child(pid(Sup), Id));
act(#{restart_child := Sup, id := Id}) -> result(supervisor:restart_child(pid(Sup), Id));
act(#{delete_child := Sup, id := Id}) -> result(supervisor:delete_child(pid(Sup), Id));
act(#{stop := Id}) -> result(catch gen_server:stop(pid(Id), shutdown, infinity));
act(#{spawn := Id} = Step) ->
    {ok, _} = gen_server:start(?MODULE, {worker, Id, Step, maps:get(trap, Step, false)}, []), [];
act(#{link := Id, to := Other}) -> gen_server:cast(pid(Id), {link, pid(Other)}), [];
act(#{monitor := Id, target := Other}) -> gen_server:cast(pid(Id), {monitor, pid(Other)}), [];
act(#{wait := _}) -> [].

result(ok) -> [[<<"result">>, <<"ok">>]];
result({ok, _}) -> [[<<"result">>, <<"ok">>]];
result({ok, _, _}) -> [[<<"result">>, <<"ok">>]];
result(_) -> [[<<"result">>, <<"error">>]].

pid(Id) ->
    collector ! {pid, Id, self()},
    receive {pid, Pid} -> Pid end.

%% Every child of every supervisor under the root: [child, Supervisor, Id, running | undefined].
tree(SupId) ->
    case pid(SupId) of
        undefined -> [];
        Pid ->
            case is_process_alive(Pid) of
                false -> [[<<"down">>, SupId]];
                true ->
                    Children = lists:sort([child_row(SupId, C) || C <- supervisor:which_children(Pid)]),
                    Rows = [R || {R, _} <- Children],
                    Rows ++ lists:append([tree(Id) || {_, {Id, supervisor, true}} <- Children])
            end
    end.

child_row(SupId, {Id0, Child, Type, _}) ->
    Running = is_pid(Child),
    Id = case Id0 of undefined -> id_of(Child); _ -> Id0 end,
    Status = case Running of true -> <<"running">>; false -> <<"undefined">> end,
    {[<<"child">>, SupId, Id, Status], {Id, Type, Running}}.

id_of(Pid) ->
    collector ! {id, Pid, self()},
    receive {id, Id} -> Id end.

%% ---------------------------------------------------------------------------------------------
%% Collector: events in arrival order; it monitors every incarnation it is told of.

collect(Events, Pids, Watches) ->
    receive
        {ev, Event} -> collect([Event | Events], Pids, Watches);
        {ev_pid, Tag, Me, Pid, Reason} ->
            Event = [Tag, Me, maps:get(Pid, Pids, <<"?">>), reason(Reason)],
            collect([Event | Events], Pids, Watches);
        {watch, Id, Pid} ->
            Ref = monitor(process, Pid),
            collect(Events, Pids#{Pid => Id, Id => Pid}, Watches#{Ref => Id});
        {'DOWN', Ref, process, _, Reason} ->
            case maps:find(Ref, Watches) of
                {ok, Id} -> collect([[<<"exit">>, Id, reason(Reason)] | Events], Pids, Watches);
                error -> collect(Events, Pids, Watches)
            end;
        {pid, Id, From} -> From ! {pid, maps:get(Id, Pids, undefined)}, collect(Events, Pids, Watches);
        {id, Pid, From} -> From ! {id, maps:get(Pid, Pids, <<"?">>)}, collect(Events, Pids, Watches);
        {take, From} -> From ! {events, lists:reverse(Events)}, collect([], Pids, Watches)
    end.

reason(normal) -> <<"normal">>;
reason(shutdown) -> <<"shutdown">>;
reason({shutdown, _}) -> <<"shutdown">>;
reason(killed) -> <<"killed">>;
reason(noproc) -> <<"noproc">>;
reason(_) -> <<"error">>.

%% ---------------------------------------------------------------------------------------------
%% Supervisors and workers built from the scenario's specs.

start_sup(Spec) -> supervisor:start_link(?MODULE, {sup, Spec}).
start_worker(Id, Spec) -> gen_server:start_link(?MODULE, {worker, Id, Spec, true}, []).
start_dynamic(Spec, Id) -> gen_server:start_link(?MODULE, {worker, Id, Spec, true}, []).

child_spec(#{id := Id} = Spec) ->
    Base = #{id => Id,
             restart => atom(maps:get(restart, Spec, <<"permanent">>)),
             shutdown => shutdown(maps:get(shutdown, Spec, default))},
    case maps:get(kind, Spec, <<"worker">>) of
        <<"supervisor">> ->
            Base#{start => {?MODULE, start_sup, [Spec]}, type => supervisor,
                  shutdown => shutdown(maps:get(shutdown, Spec, <<"infinity">>))};
        <<"worker">> ->
            Base#{start => {?MODULE, start_worker, [Id, Spec]}, type => worker}
    end.

shutdown(default) -> 5000;
shutdown(<<"brutal">>) -> brutal_kill;
shutdown(<<"infinity">>) -> infinity;
shutdown(Ms) when is_integer(Ms) -> Ms.

atom(B) -> binary_to_atom(B, utf8).

init({sup, #{id := Id} = Spec}) ->
    collector ! {watch, Id, self()},
    collector ! {ev, [<<"sup_init">>, Id]},
    Strategy = atom(maps:get(strategy, Spec, <<"one_for_one">>)),
    Flags = #{strategy => Strategy,
              intensity => maps:get(intensity, Spec, 3),
              period => maps:get(period, Spec, 5)},
    Children = maps:get(children, Spec, []),
    case Strategy of
        simple_one_for_one ->
            [#{id := TemplateId} = Template] = Children,
            {ok, {Flags, [#{id => TemplateId,
                            start => {?MODULE, start_dynamic, [Template]},
                            restart => atom(maps:get(restart, Template, <<"permanent">>)),
                            shutdown => shutdown(maps:get(shutdown, Template, default)),
                            type => worker}]}};
        _ -> {ok, {Flags, [child_spec(C) || C <- Children]}}
    end;
init({worker, Id, Spec, Trap}) ->
    process_flag(trap_exit, Trap),
    N = ets:update_counter(attempts, Id, 1, {Id, 0}),
    timer:sleep(maps:get(init_delay, Spec, 0)),
    case lists:member(N, maps:get(fail, Spec, [])) of
        true ->
            collector ! {ev, [<<"init_failed">>, Id]},
            {stop, init_failed};
        false ->
            collector ! {watch, Id, self()},
            collector ! {ev, [<<"init">>, Id]},
            {ok, #{id => Id, spec => Spec}}
    end.

handle_call(_, _, State) -> {reply, ok, State}.

handle_cast(crash, _) -> erlang:error(crash);
handle_cast({stop, Reason}, State) -> {stop, Reason, State};
handle_cast({link, Pid}, State) -> link(Pid), {noreply, State};
handle_cast({monitor, Pid}, State) -> monitor(process, Pid), {noreply, State}.

handle_info({'EXIT', From, Reason}, #{id := Id} = State) ->
    collector ! {ev_pid, <<"got_exit">>, Id, From, Reason},
    {noreply, State};
handle_info({'DOWN', _, process, Pid, Reason}, #{id := Id} = State) ->
    collector ! {ev_pid, <<"got_down">>, Id, Pid, Reason},
    {noreply, State}.

terminate(Reason, #{id := Id, spec := Spec}) ->
    collector ! {ev, [<<"terminate">>, Id, reason(Reason)]},
    case maps:get(terminate, Spec, <<"ok">>) of
        <<"ok">> -> ok;
        <<"hang">> -> receive never -> ok end;
        Ms when is_integer(Ms) -> timer:sleep(Ms)
    end.

%% ---------------------------------------------------------------------------------------------
%% JSON out (strings, lists, maps with atom keys).

json(B) when is_binary(B) -> [$", B, $"];
json(A) when is_atom(A) -> [$", atom_to_binary(A, utf8), $"];
json(L) when is_list(L) -> ["[", lists:join(",", [json(X) || X <- L]), "]"];
json(M) when is_map(M) ->
    ["{", lists:join(",", [[json(K), ":", json(V)] || {K, V} <- lists:sort(maps:to_list(M))]), "}"].
