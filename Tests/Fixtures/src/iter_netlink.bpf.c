// A netlink socket iterator: "family portid" for every netlink socket.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

SEC("iter/netlink")
int dump_netlink(struct bpf_iter__netlink *ctx)
{
	struct netlink_sock *nlk = ctx->sk;

	if (nlk == NULL)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "%u %u\n", nlk->sk.__sk_common.skc_family, nlk->portid);
	return 0;
}
