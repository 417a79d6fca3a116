# Summarise an strace -f -T -tt log: every call of 2 ms or more, grouped
# by call and the arguments that name what it waits on.
import re, sys, collections
long = collections.Counter(); tot = collections.Counter(); alltot=collections.Counter(); examples = {}
pat = re.compile(r'^(\d+)\s+(\S+)\s+(\w+)\((.*)\)\s+=\s+(.*?)\s+<([\d.]+)>$')
resumed = re.compile(r'^(\d+)\s+(\S+)\s+<\.\.\. (\w+) resumed>(.*)\)\s+=\s+(.*?)\s+<([\d.]+)>$')
unfinished = {}
for line in open(sys.argv[1], errors='replace'):
    line=line.rstrip('\n')
    m = pat.match(line)
    if m:
        pid, ts, name, args, ret, dur = m.groups()
    else:
        m = resumed.match(line)
        if m:
            pid, ts, name, args, ret, dur = m.groups()
            args = unfinished.pop(pid, '') + ' …' + args
        else:
            u = re.match(r'^(\d+)\s+\S+\s+(\w+)\((.*) <unfinished \.\.\.>$', line)
            if u: unfinished[u.group(1)] = u.group(3)
            continue
    d = float(dur)
    key = name + ' ' + re.sub(r'0x[0-9a-f]+', 'ADDR', args)[:140]
    alltot[name]+=1
    if d >= 0.002:
        bucket = 'ms%d' % int(d*1000)
        long[(name, bucket)] += 1
        tot[key] += 1
        examples.setdefault(key, line[:300])
print('calls per name:', dict(alltot.most_common(20)))
print('calls of 2 ms or more, by name and whole ms:')
for (n, b), c in sorted(long.items(), key=lambda x: -x[1])[:40]:
    print(f'  {n:16s} {b:>6s} {c}')
print('their arguments, most frequent:')
for k, c in tot.most_common(15):
    print(f'  {c:6d}  {examples[k]}')
