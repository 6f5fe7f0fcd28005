# shellcheck shell=bash
# Helpers for the ls tests: start processes in new namespaces and remove them
# (with everything they forked) at exit. Source after lib.sh.

# descendants PID: PID and every process below it, one per line, parents first
descendants() {
	local p=$1 c t
	echo "$p"
	for t in /proc/"$p"/task/*/children; do
		[ -r "$t" ] || continue
		for c in $(cat "$t" 2>/dev/null); do descendants "$c"; done
	done
}

# kill_tree PID: SIGKILL PID and its descendants (unshare --fork ignores TERM)
kill_tree() {
	local pids
	pids=$(descendants "$1")
	# shellcheck disable=SC2086
	kill -9 $pids 2>/dev/null
	return 0
}

# spawn CMD...: start CMD in the background, killed (with its children) at
# exit; sets SPAWNED to its PID.
spawn() {
	"$@" </dev/null >/dev/null 2>&1 &
	SPAWNED=$!
	on_exit "kill_tree $SPAWNED"
}

# leaf PID COMM: wait (5 s at most) until PID or one of its descendants runs
# COMM with nothing below it, and print that PID. Fails when it never does.
leaf() {
	local i p c
	for ((i = 0; i < 100; i++)); do
		for p in $(descendants "$1"); do
			c=$(cat /proc/"$p"/comm 2>/dev/null) || continue
			[ "$c" = "$2" ] || continue
			[ -z "$(cat /proc/"$p"/task/*/children 2>/dev/null | tr -d ' ')" ] || continue
			echo "$p"
			return 0
		done
		sleep 0.05
	done
	return 1
}

# nsino PID TYPE: the inode of PID's TYPE namespace (e.g. 4026532200)
nsino() {
	local l
	l=$(readlink /proc/"$1"/ns/"$2" 2>/dev/null) || return 1
	l=${l#*[}
	echo "${l%]}"
}

# jrows [tree]: JSON from ls/lsns -J on stdin → one line per row,
# "key=value ..." with the keys sorted, the lines sorted; the children of
# trees are flattened, and with "tree" each child gets parent=NS of its parent
# row. Exits 2 when the input is not JSON of that shape.
jrows() {
	perl -MJSON::PP -e '
		my $tree = ($ARGV[0] // "") eq "tree";
		local $/; my $in = <STDIN>;
		my $d = eval { JSON::PP->new->decode($in) };
		die "not JSON: $@" unless ref $d eq "HASH" && keys %$d == 1;
		my ($k) = keys %$d;
		die "no rows" unless ref $d->{$k} eq "ARRAY";
		my @out;
		sub walk { my ($rows, $parent) = @_; for my $r (@$rows) {
			my $c = delete $r->{children};
			$r->{parent} = $parent if $tree && defined $parent;
			push @out, join " ", map { my $v = $r->{$_};
				"$_=" . (defined $v ? $v : "null") } sort keys %$r;
			walk($c, $r->{ns}) if $c;
		} }
		walk($d->{$k}, undef);
		print "$_\n" for sort @out;
	' "$@" || exit 2
}

# jcompare LSNS NSX1 NSX2: compare jrows outputs of lsns and of two nsx scans
# made just before and after it. Rows are keyed by ns= (or pid= without an NS
# column). A row both nsx scans agree on is "stable": lsns must have exactly
# that row, or not have it when it is process-less (NPROCS 0, or PID null).
# A row that changed between the nsx scans (other processes came or went)
# is only required to exist in lsns or be absent from it for a reason, and
# is counted as tolerated; with OURS_LIST (inodes, space-separated) set, those rows
# must be stable and present. Prints "exact|tolerant|fail TOLERATED SEEN",
# then "# " lines explaining every difference. Exit 0 unless "fail".
jcompare() {
	perl -e '
		my %ours = map { ("ns=$_" => 1) } split " ", ($ENV{OURS_LIST} // "");
		my $fail = 0; my @why;
		sub load { my ($f) = @_; my %h; open my $fh, "<", $f or die;
			while (<$fh>) { chomp; next unless length;
				my $k = /(?:^| )ns=(\d+)/ ? "ns=$1" :
					/(?:^| )pid=(\d+)/ ? "pid=$1" : $_;
				if (exists $h{$k}) { $fail = 1; push @why, "twice: $k" }
				$h{$k} = $_ } \%h }
		my ($l, $a, $b) = map { load($_) } @ARGV;
		$fail = 1, push @why, "lsns printed no rows" unless %$l;
		$fail = 1, push @why, "nsx printed no rows" unless %$a && %$b;
		sub procless { my $r = shift; return 1 if $r =~ /(^| )nprocs=0( |$)/;
			return $r !~ / ?nprocs=/ && $r =~ /(^| )pid=null( |$)/ }
		my ($tol, $seen) = (0, 0);
		my %keys = map { $_ => 1 } (keys %$l, keys %$a, keys %$b);
		for my $k (sort keys %keys) {
			my ($L, $A, $B) = ($l->{$k}, $a->{$k}, $b->{$k});
			my $stable = defined $A && defined $B && $A eq $B
				  || !defined $A && !defined $B;
			if ($ours{$k}) {
				if (defined $A && $stable && defined $L && $L eq $A) { $seen++ }
				else { $fail = 1; push @why, "ours: lsns " . ($L // "-") .
					" | nsx " . ($A // "-") . " | nsx again " . ($B // "-") }
				next;
			}
			if ($stable && defined $A) {
				next if defined $L && $L eq $A;
				next if !defined $L && procless($A);
				$fail = 1; push @why, "lsns " . ($L // "-") . " | nsx " . $A;
			} elsif ($stable) {
				$fail = 1; push @why, "lsns only: $L";
			} else {
				$tol++; push @why, "tolerated (changed between the nsx scans): lsns " .
					($L // "-") . " | nsx " . ($A // "-") . " | nsx again " . ($B // "-");
			}
		}
		print $fail ? "fail" : $tol ? "tolerant" : "exact", " $tol $seen\n";
		print "# $_\n" for @why;
		exit $fail;
	' "$@"
}
