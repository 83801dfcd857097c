#!/usr/bin/env python3
"""Write the malformed-config corpus: one file per case. Run once; the
inputs and their golden outputs (made by `run-corpus --update` and read
by a human) are checked in. Kept so that cases can be added the same way."""
import os

here = os.path.dirname(os.path.abspath(__file__))
M = "[Manager]\n"
R = "[Reaper]\n"
P = "[Match]\nCgroup=/demo.slice\n[Teardown]\n"
cases = {
    # main config, [Manager]
    "loglevel-word.conf": M + "LogLevel=loud\n",
    "loglevel-number.conf": M + "LogLevel=7\n",
    "loglevel-empty.conf": M + "LogLevel=\n",
    "scan-zero.conf": M + "ScanIntervalSec=0\n",
    "scan-too-big.conf": M + "ScanIntervalSec=3601\n",
    "scan-negative.conf": M + "ScanIntervalSec=-1\n",
    "scan-fraction.conf": M + "ScanIntervalSec=1.5\n",
    "scan-overflow.conf": M + "ScanIntervalSec=99999999999999999999999\n",
    "scan-trailing.conf": M + "ScanIntervalSec=10s\n",
    "maxtracked-low.conf": M + "MaxTracked=15\n",
    "maxtracked-high.conf": M + "MaxTracked=65537\n",
    "maxtracked-hex.conf": M + "MaxTracked=0x100\n",
    "concurrent-zero.conf": M + "MaxConcurrentTeardowns=0\n",
    "concurrent-high.conf": M + "MaxConcurrentTeardowns=65\n",
    "parktimeout-low.conf": M + "ParkTimeoutMSec=99\n",
    "parktimeout-high.conf": M + "ParkTimeoutMSec=600001\n",
    "parktimeout-word.conf": M + "ParkTimeoutMSec=soon\n",
    "recent-zero.conf": M + "RecentTeardowns=0\n",
    "recent-high.conf": M + "RecentTeardowns=4097\n",
    "cgrouproot-relative.conf": M + "CgroupRoot=sys/fs/cgroup\n",
    "manager-unknown-key.conf": M + "Bogus=1\n",
    "manager-key-typo.conf": M + "LogLevle=info\n",
    # main config, [Reaper]
    "workers-zero.conf": R + "Workers=0\n",
    "workers-high.conf": R + "Workers=65\n",
    "workers-negative.conf": R + "Workers=-3\n",
    "chunk-small.conf": R + "ChunkSize=1M\n",
    "chunk-odd.conf": R + "ChunkSize=3M\n",
    "chunk-zero.conf": R + "ChunkSize=0\n",
    "chunk-huge.conf": R + "ChunkSize=2G\n",
    "chunk-suffix.conf": R + "ChunkSize=2X\n",
    "quota-zero.conf": R + "CPUQuota=0%\n",
    "quota-high.conf": R + "CPUQuota=6401%\n",
    "quota-no-percent.conf": R + "CPUQuota=50\n",
    "quota-word.conf": R + "CPUQuota=half%\n",
    "quota-negative.conf": R + "CPUQuota=-5%\n",
    "weight-zero.conf": R + "CPUWeight=0\n",
    "weight-high.conf": R + "CPUWeight=10001\n",
    # main config, structure
    "unknown-section.conf": M + "LogLevel=info\n[Reaperz]\nWorkers=2\n",
    "no-equals.conf": M + "LogLevel info\n",
    "unclosed-section.conf": "[Manager\nLogLevel=info\n",
    "key-before-section.conf": "LogLevel=info\n[Manager]\n",
    "error-on-line-5.conf": "# comment\n\n" + M + "LogLevel=info\nScanIntervalSec=abc\n",
    "two-errors.conf": M + "LogLevel=loud\nMaxTracked=1\n",
    "binary-junk.conf": M + "LogLevel=\x01\x02\x03\n",
    # policies
    "policy-cgroup-relative.policy": "[Match]\nCgroup=demo.slice\n[Teardown]\nMode=reaper\n",
    "policy-unit-suffix.policy": "[Match]\nUnit=db\n[Teardown]\nMode=reaper\n",
    "policy-unit-slash.policy": "[Match]\nUnit=a/b.service\n[Teardown]\nMode=reaper\n",
    "policy-mode-bad.policy": P + "Mode=fast\n",
    "policy-mode-case.policy": P + "Mode=Reaper\n",
    "policy-minsize-word.policy": P + "MinSize=lots\n",
    "policy-minsize-negative.policy": P + "MinSize=-1G\n",
    "policy-minsize-overflow.policy": P + "MinSize=99999999999T\n",
    "policy-workers-high.policy": P + "Workers=65\n",
    "policy-quota-bad.policy": P + "CPUQuota=200\n",
    "policy-weight-bad.policy": P + "CPUWeight=abc\n",
    "policy-chunk-odd.policy": P + "ChunkSize=5M\n",
    "policy-unknown-section.policy": P + "Mode=reaper\n[Extra]\nX=1\n",
    "policy-unknown-match-key.policy": "[Match]\nProcess=db\nCgroup=/x.slice\n[Teardown]\nMode=async\n",
    "policy-syntax.policy": "[Match]\nCgroup /x.slice\n",
    "policy-unknown-teardown-key.policy": P + "Mode=reaper\nThreads=4\n",
}
os.makedirs(os.path.join(here, "cases"), exist_ok=True)
for i, (name, text) in enumerate(sorted(cases.items())):
    with open(os.path.join(here, "cases", f"{i:03d}-{name}"), "w") as f:
        f.write(text)
print(len(cases), "cases")
