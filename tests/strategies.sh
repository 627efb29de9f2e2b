#!/bin/sh
# strategies.sh: coarse-to-fine rounds, ASHA early stopping, and panda babysitting (decisions,
# checkpoints, a live nudge, and a restart of the daemon in the middle of a model) on a private
# tunad with a temporary socket and database.
set -u
tunad=${1:?usage: strategies.sh TUNAD TUNA TUNA-WORKER SOCKCAT}
tuna=$2
worker=$3
sockcat=$4
. "$(dirname "$0")/lib.sh"

. "$(dirname "$0")/daemon-lib.sh"


make_csv "$tmp/train.csv" 600 1
ds="{\"format\":\"csv\",\"train\":\"$tmp/train.csv\"}"
start_daemon

# Coarse to fine: three rounds, each box inside the last and narrower, following the best.
cat > "$tmp/c2f.json" <<JSON
{"name": "c2f", "dataset": $ds, "trials": 18, "parallel": 2, "epochs": 2, "seed": 3,
 "strategy": {"kind": "coarse_to_fine", "rounds": 3, "top_k": 3, "zoom": 0.5},
 "params": {"alpha": {"scale": "log", "min": 1e-5, "max": 1},
            "beta1": {"scale": "one_minus_log", "min": 0.5, "max": 0.999},
            "hidden_units": {"scale": "pow2", "min": 4, "max": 64},
            "optimizer": {"values": ["adam", "rmsprop", "momentum"]}}}
JSON
id=$(submit_id "$tmp/c2f.json")
check_true "c2f: submitted ($id)" [ -n "$id" ]
wait_search "$id"
check "c2f: done" "$(q "select status from searches where id=$id")" done
check "c2f: three rounds recorded" "$(q "select count(*) from rounds where search_id=$id")" 3
check "c2f: six trials per round" "$(q "select group_concat(n) from (select count(*) n from trials where search_id=$id group by round order by round)")" "6,6,6"
inside() {	# inside PARAM: later rounds' boxes inside earlier ones, and narrower
	q "select count(*) from rounds a join rounds b on a.search_id=b.search_id and b.round=a.round+1
	   where a.search_id=$id and (json_extract(b.box,'\$.$1.min') < json_extract(a.box,'\$.$1.min') * 0.999999
	   or json_extract(b.box,'\$.$1.max') > json_extract(a.box,'\$.$1.max') * 1.000001
	   or log10(json_extract(b.box,'\$.$1.max')) - log10(json_extract(b.box,'\$.$1.min'))
	      > 0.5 * (log10(json_extract(a.box,'\$.$1.max')) - log10(json_extract(a.box,'\$.$1.min'))) + 1e-9)"
}
check "c2f: alpha boxes nested and narrower by the zoom" "$(inside alpha)" 0
check "c2f: every round-2 alpha inside round 2's box" "$(q "select count(*) from trials t join rounds r on r.search_id=t.search_id and r.round=t.round where t.search_id=$id and t.round=2 and (json_extract(t.params,'\$.alpha') < json_extract(r.box,'\$.alpha.min')*0.999999 or json_extract(t.params,'\$.alpha') > json_extract(r.box,'\$.alpha.max')*1.000001)")" 0
best1=$(q "select json_extract(params,'\$.alpha') from trials where search_id=$id and round=1 and status='done' order by val_acc desc, id limit 1")
check "c2f: round 2's box contains round 1's best alpha" "$(q "select count(*) from rounds where search_id=$id and round=2 and json_extract(box,'\$.alpha.min') <= $best1*1.000001 and json_extract(box,'\$.alpha.max') >= $best1*0.999999")" 1
"$tuna_vg" tail "$id" > "$tmp/tail" 2>&1
check_contains "c2f: tail shows the rounds" "$tmp/tail" "round 2"
check_contains "c2f: tail shows a round's box" "$tmp/tail" "alpha "
"$tuna_vg" best "$id" -n 3 > "$tmp/best" 2>&1
check_contains "c2f: best shows the round" "$tmp/best" "ROUND"

# ASHA: trials not in the top third at a rung stop there, status pruned, epochs kept.
cat > "$tmp/asha.json" <<JSON
{"name": "asha", "dataset": $ds, "trials": 15, "parallel": 2, "epochs": 5, "seed": 4,
 "early_stopping": {"kind": "asha", "rungs": [1, 3], "eta": 3},
 "params": {"alpha": {"scale": "log", "min": 1e-5, "max": 1}, "hidden_units": {"scale": "pow2", "min": 4, "max": 32}}}
JSON
id=$(submit_id "$tmp/asha.json")
wait_search "$id"
check "asha: search done" "$(q "select status from searches where id=$id")" done
pruned=$(q "select count(*) from trials where search_id=$id and status='pruned'")
check_true "asha: some trials pruned ($pruned)" [ "$pruned" -ge 3 ]
check_true "asha: some trials completed" [ "$(q "select count(*) from trials where search_id=$id and status='done'")" -ge 1 ]
check "asha: pruned trials stopped at a rung" "$(q "select count(*) from trials t where search_id=$id and status='pruned' and (select max(epoch) from epochs where trial_id=t.id) not in (1, 3)")" 0
check "asha: completed trials ran every epoch" "$(q "select count(*) from trials t where search_id=$id and status='done' and (select count(*) from epochs where trial_id=t.id) != 5")" 0
check "asha: each prune is a recorded decision" "$(q "select count(*) from events where search_id=$id and kind='decision' and json_extract(data,'\$.action')='prune'")" "$pruned"

# An objective to minimize, val_loss: a trial's objective is its lowest epoch val_loss; ASHA
# prunes the trials above a rung's cutoff; best_trials, search_progress and tuna best put the
# lowest first.
sed 's/"name": "asha"/"name": "asha-min"/; s/"seed": 4,/"seed": 4, "objective": {"metric": "val_loss", "goal": "min"},/' "$tmp/asha.json" > "$tmp/min.json"
id=$(submit_id "$tmp/min.json")
wait_search "$id"
check "min: search done" "$(q "select status from searches where id=$id")" done
check "min: each trial's objective is its lowest val_loss" "$(q "select count(*) from trials t where search_id=$id and status in ('done', 'pruned') and abs(objective - (select min(val_loss) from epochs where trial_id=t.id)) > 1e-12")" 0
pruned=$(q "select count(*) from trials where search_id=$id and status='pruned'")
check_true "min: some trials pruned ($pruned)" [ "$pruned" -ge 1 ]
check "min: every prune above its rung's cutoff" "$(q "select json_extract(data,'\$.reason') from events where search_id=$id and kind='decision' and json_extract(data,'\$.action')='prune'" | awk '$1 == "val_loss" && $7 == "above" && $2 >= $NF { n++ } END { print n + 0 }')" "$pruned"
lowest=$(q "select id from trials where search_id=$id and status='done' order by objective, id limit 1")
check "min: best_trials ranks the lowest first" "$(q "select trial_id from best_trials where search_id=$id and rank=1 order by trial_id limit 1")" "$lowest"
check "min: search_progress names it" "$(q "select best_trial_id || ' ' || objective || ' ' || goal from search_progress where search_id=$id")" "$lowest val_loss min"
"$tuna_vg" best "$id" -n 2 > "$tmp/best" 2>&1
check "min: tuna best lists it first, in a VAL_LOSS column" "$(awk 'NR == 1 { c = ($5 == "VAL_LOSS") } NR == 2 { print c, $3 }' "$tmp/best")" "1 $lowest"

# Panda: one model at a time, a decision with its reason after every epoch, checkpoints.
make_csv "$tmp/big.csv" 40000 5 8
cat > "$tmp/panda.json" <<JSON
{"name": "panda", "mode": "panda", "dataset": {"format": "csv", "train": "$tmp/big.csv"},
 "trials": 1, "epochs": 25, "threads": 1, "seed": 2,
 "params": {"alpha": 0.003, "hidden_units": 256, "layers": 2, "batch_size": 32}}
JSON
id=$(submit_id "$tmp/panda.json")
check_true "panda: submitted ($id)" [ -n "$id" ]
i=0; while [ "$(q "select count(*) from epochs e join trials t on t.id=e.trial_id where t.search_id=$id")" -lt 2 ] && [ $i -lt $((600 * slow)) ]; do sleep 0.1; i=$((i + 1)); done
trial=$(q "select id from trials where search_id=$id")
# The model's worker is stopped (SIGSTOP) while it is nudged and while the daemon is stopped
# below: it cannot run to its end first, however fast the machine.
pw=$(pgrep -P "$daemon_pid" -f tuna-worker)
check_true "panda: its worker ($pw)" [ -n "$pw" ]
kill -STOP $pw
"$tuna_vg" nudge "$trial" alpha=0.0123 > "$tmp/nudge" 2>&1
check "panda: nudge accepted" "$?" 0
after=$(sed -n 's/.*lands after epoch \([0-9]*\).*/\1/p' "$tmp/nudge")
check_true "panda: nudge says where it lands ($after)" [ -n "$after" ]
kill -CONT $pw
i=0; while [ "$(q "select count(*) from epochs where trial_id=$trial and epoch=$((after + 1))")" -lt 1 ] && [ $i -lt $((600 * slow)) ]; do sleep 0.1; i=$((i + 1)); done
check "panda: the nudge lands at the next epoch" "$(q "select alpha from epochs where trial_id=$trial and epoch=$((after + 1))")" 0.0123
check "panda: the nudge is recorded" "$(q "select count(*) from events where trial_id=$trial and kind='nudge'")" 1
kill -STOP $pw
"$tuna_vg" nudge "$trial" alpha*=0.5 > /dev/null 2>&1
check "panda: alpha*= accepted" "$?" 0
"$tuna_vg" nudge "$trial" dropout=1 > "$tmp/bad" 2>&1
check "panda: a bad nudge is refused" "$?" 1
kill -CONT $pw
check_contains "panda: the bad nudge names the field" "$tmp/bad" "set.dropout"

# Restart in the middle of the model: it goes on from its last checkpoint.
i=0; while [ "$(q "select count(*) from events where trial_id=$trial and kind='checkpoint' and json_extract(data,'\$.epoch')>=3")" -lt 1 ] && [ $i -lt $((600 * slow)) ]; do sleep 0.1; i=$((i + 1)); done
kill -STOP $pw
kill -TERM $daemon_pid
stopped "panda: SIGTERM"
check "panda: interrupted by the stop" "$(q "select status from trials where id=$trial")" interrupted
ckpt=$(q "select max(json_extract(data,'\$.epoch')) from events where trial_id=$trial and kind='checkpoint'")
start_daemon
wait_search "$id"
check "panda: finished after the restart" "$(q "select status from searches where id=$id")" done
check "panda: the trial completed" "$(q "select status from trials where id=$trial")" done
check "panda: resumed from the checkpoint of epoch $ckpt" "$(q "select json_extract(data,'\$.epoch') from events where trial_id=$trial and kind='decision' and json_extract(data,'\$.action')='resume'")" "$ckpt"
check "panda: every epoch recorded once" "$(q "select count(*) || '/' || count(distinct epoch) || '/' || max(epoch) from epochs where trial_id=$trial")" "25/25/25"
check_true "panda: a decision after every epoch" [ "$(q "select count(*) from events where trial_id=$trial and kind='decision'")" -ge 25 ]
check "panda: every epoch row has its alpha" "$(q "select count(*) from epochs where trial_id=$trial and alpha is null")" 0
"$tuna_vg" shutdown > /dev/null 2>&1
stopped "shutdown"
check_valgrind
finish
