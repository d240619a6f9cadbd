// A TCP iterator in the shape of the kernel's selftest bpf_iter_tcp4.c: one line per IPv4 socket
// with its local address, port and state (10 is TCP_LISTEN). The sockets are those of the network
// namespace the reader was in when it opened the iterator.
#include "iter_bpf.h"
#include "iter_kernel.h"
#include "iter_progs.h"

char LICENSE[] SEC("license") = "GPL";

#define AF_INET 2

SEC("iter/tcp")
int dump_tcp4(struct bpf_iter__tcp *ctx)
{
	struct sock_common___tcp *sk = ctx->sk_common;
	struct seq_file *seq = ctx->meta->seq;
	__u32 addr;

	if (sk == NULL || sk->skc_family != AF_INET)
		return 0;
	addr = sk->skc_rcv_saddr; /* network byte order: the first octet is the lowest byte */
	BPF_SEQ_PRINTF(seq, "tcp4 %u.%u.%u.%u:%u state %u\n", addr & 0xff, (addr >> 8) & 0xff,
		       (addr >> 16) & 0xff, addr >> 24, sk->skc_num, sk->skc_state);
	return 0;
}
