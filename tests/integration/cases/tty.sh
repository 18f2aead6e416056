# An interactive shell in the sandbox on a terminal, driven as a person would
# (helpers/pty-drive.py): the prompt works, the size follows a resize of the
# outer terminal, Ctrl-C reaches the command and not ringfence, `exit 3` is
# ringfence's status 3, and a background job left behind is gone after exit.
# shellcheck shell=bash disable=SC2016
. "${BASH_SOURCE[0]%/*}/_common.bash"

PTY_DRIVE="${BASH_SOURCE[0]%/*}/../helpers/pty-drive.py"

# drive ROWSxCOLS STEP... : ringfence run -- bash on a terminal; sets RC, OUT
drive() {
	local size=$1
	shift
	HOME="$FAKE_HOME" PS1='RF-PROMPT$ ' "$HOST_PY" "$PTY_DRIVE" "$size" "$@" -- \
		"$RINGFENCE" run --workspace "$WS" -- bash --norc --noprofile -i \
		</dev/null >"$RF_TEST_TMP/drive.out" 2>"$RF_TEST_TMP/drive.err"
	RC=$?
	OUT=$(tr -d '\r' <"$RF_TEST_TMP/drive.out") ERR=$(cat "$RF_TEST_TMP/drive.err")
}

t_tty_bash_prompt_and_size() {
	drive 24x80 expect:'RF-PROMPT\$ ' send:'stty size; tty\n' expect:'24 80' \
		send:'exit\n'
	expect_rc 0 "the driver"
	expect_out "24 80" "the size of the terminal"
	expect_out "/dev/pts/" "a pseudo-terminal of its own"
	expect_out "EXIT=0" "exit status"
}

t_tty_resize_follows_outer_terminal() {
	# the new size reaches the inner terminal once the supervisor has read
	# its SIGWINCH: `stty size` is asked again until it shows (10 s at
	# most), not after a fixed pause a loaded machine may overrun
	drive 24x80 expect:'RF-PROMPT\$ ' send:'stty size\n' expect:'24 80' \
		resize:40x132 send:'stty size\n' retry:'40 132' \
		resize:30x100 send:'stty size\n' retry:'30 100' send:'exit\n'
	expect_rc 0 "the driver (each size seen inside)"
	expect_out "40 132" "after the first resize"
	expect_out "30 100" "after the second resize"
}

t_tty_ctrl_c_reaches_the_command() {
	drive 24x80 expect:'RF-PROMPT\$ ' send:'sleep 30; echo "after-sleep rc=$?"\n' sleep:0.5 \
		send:'\x03' expect:'RF-PROMPT\$ ' send:'echo "rc=$? still-here"\n' expect:'still-here' \
		send:'exit 0\n'
	expect_rc 0 "the driver"
	expect_out "rc=130 still-here" "sleep died of SIGINT, the shell and ringfence live on"
	expect_not_out "after-sleep rc=0" "sleep was interrupted"
	expect_out "EXIT=0" "ringfence ends when the shell does"
}

t_tty_exit_status_3() {
	drive 24x80 expect:'RF-PROMPT\$ ' send:'exit 3\n'
	expect_rc 0 "the driver"
	expect_out "EXIT=3" "exit 3 is ringfence's status 3"
}

t_tty_background_job_gone_after_exit() {
	local marker="rf-tty-bg-${WS##*.}"
	drive 24x80 expect:'RF-PROMPT\$ ' send:"bash -c 'sleep 1000; : $marker' &\n" sleep:0.3 \
		send:"(sleep 1000; : $marker-sub) &\n" sleep:0.3 send:'jobs\n' expect:'Running' send:'exit 0\n'
	expect_rc 0 "the driver"
	expect_out "EXIT=0" "exit"
	sleep 0.3
	expect_true test -z "$(host_procs_with "$marker")"
}

t_tty_ctrl_backslash_and_eof() { # neighbours: other terminal keys go to the command too
	# the command says it runs before the key is sent (not a fixed pause: on
	# a loaded machine the shell may not have started it yet, and bash
	# itself ignores SIGQUIT); split so the echoed line does not match
	drive 24x80 expect:'RF-PROMPT\$ ' send:'sh -c "echo RUN""NING; exec sleep 30"\n' expect:'RUNNING' \
		send:'\x1c' expect:'RF-PROMPT\$ ' \
		send:'echo "rc=$?"\n' expect:'rc=131' expect:'RF-PROMPT\$ ' send:'\x04'
	expect_rc 0 "the driver"
	expect_out "rc=131" "Ctrl-\\ is SIGQUIT for the command"
	expect_out "EXIT=0" "Ctrl-D at the prompt ends the shell and ringfence"
}
