"""What several backend workers share, through Redis: which workers are alive (leases with a
heartbeat), which conversation each is streaming a reply in, Stop sent to the owner, and the
text so far of every reply in progress. One process shares nothing and needs no Redis."""
