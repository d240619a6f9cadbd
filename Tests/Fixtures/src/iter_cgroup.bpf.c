// A cgroup iterator (6.1+): one line per cgroup walked, "id level", in the order asked for.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

SEC("iter/cgroup")
int dump_cgroup(struct bpf_iter__cgroup *ctx)
{
	struct cgroup *cgroup = ctx->cgroup;

	if (cgroup == NULL)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "%llu %d\n", cgroup->kn->id, cgroup->level);
	return 0;
}
