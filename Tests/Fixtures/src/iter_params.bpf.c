// A task snapshot configured the way libbpf tools are: `const volatile` globals in .rodata that
// the loader sets before the program loads (frozen, so the verifier treats them as constants),
// a title in .data, a counter in .bss and an id in a custom .rodata.cfg section. It prints what it
// was configured with, the tasks its filters let through, and how many it visited, so a test can
// see each setting take effect. LINUX_KERNEL_VERSION is an extern the loader fills, not a setting.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

typedef int pid_t;

enum mode {
	MODE_LIST = 0,  /* one line per task */
	MODE_COUNT = 1, /* only the totals */
};

struct limits {
	__u32 max_tasks; /* 0: no limit */
	__u16 min_pid;
	unsigned int verbose : 1; /* task lines name the command */
	unsigned int level : 3;
	int delta : 4; /* signed bitfield, printed only */
};

const volatile pid_t targ_tgid = 0;             /* only this process (0: every process) */
const volatile bool show_threads = false;       /* every thread, not only group leaders */
const volatile enum mode mode = MODE_LIST;
const volatile char target_comm[16] = "";       /* only tasks with this command ("": any) */
const volatile __u32 ports[4] = { 22, 80 };     /* printed: an array setting */
const volatile struct limits limits = { .level = 1, .delta = -2 };
const volatile __u64 snapshot_id SEC(".rodata.cfg") = 0xfeed;
char title[16] = "tasks";                       /* .data */
__u64 visited;                                  /* .bss: every task seen, across reads */
__u32 shown;                                    /* .bss: tasks printed in this read */

extern unsigned int LINUX_KERNEL_VERSION __kconfig;

static __always_inline bool comm_matches(struct task_struct *task)
{
	int i;

	for (i = 0; i < 16; i++) {
		char c = task->comm[i];

		if (c != target_comm[i])
			return false;
		if (c == 0)
			return true;
	}
	return true;
}

SEC("iter/task")
int snapshot(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;

	if (ctx->meta->seq_num == 0) {
		shown = 0;
		BPF_SEQ_PRINTF(seq, "config tgid=%d threads=%d mode=%d comm=%s id=%llx\n", targ_tgid, show_threads, mode,
			       target_comm, snapshot_id);
		BPF_SEQ_PRINTF(seq, "ports=%u,%u,%u,%u\n", ports[0], ports[1], ports[2], ports[3]);
		BPF_SEQ_PRINTF(seq, "limits max_tasks=%u min_pid=%u verbose=%u level=%u delta=%d\n", limits.max_tasks,
			       limits.min_pid, limits.verbose, limits.level, limits.delta);
		BPF_SEQ_PRINTF(seq, "title=%s kernel=%u\n", title, LINUX_KERNEL_VERSION);
	}
	if (task == NULL) {
		/* The kernel calls the program once more, with no task, when the walk ends. */
		BPF_SEQ_PRINTF(seq, "visited=%llu shown=%u\n", visited, shown);
		return 0;
	}
	visited++;
	if (targ_tgid && task->tgid != targ_tgid)
		return 0;
	if (!show_threads && task->pid != task->tgid)
		return 0;
	if (task->pid < limits.min_pid)
		return 0;
	if (target_comm[0] && !comm_matches(task))
		return 0;
	if (limits.max_tasks && shown >= limits.max_tasks)
		return 0;
	shown++;
	if (mode != MODE_LIST)
		return 0;
	if (limits.verbose)
		BPF_SEQ_PRINTF(seq, "task %d %d %s\n", task->pid, task->tgid, task->comm);
	else
		BPF_SEQ_PRINTF(seq, "task %d %d\n", task->pid, task->tgid);
	return 0;
}
