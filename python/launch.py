"""torchrun, for PyTorch builds whose torchrun cannot start on Python 3.11.

    python3 launch.py --nproc_per_node=2 train.py [train.py's options]

takes torchrun's own arguments and runs torchrun's own code
(torch.distributed.run.main). PyTorch 1.13 on Python 3.11 (Debian 12's
python3-torch, for one) fails in torchrun before starting any process
("'NoneType' object has no attribute 'get'"): its Std.from_str("0") looks the
value up by iterating over a Flag enum, and Python 3.11 no longer yields the
zero member from such an iteration. Where that bug is present, the lookup is
replaced by Std(int(value)); elsewhere nothing is changed. Use plain torchrun
where it works.
"""
import re
import sys

from torch.distributed.elastic.multiprocessing import api


def _fixed_from_str(vm):
    if re.match(api._VALUE_REGEX, vm):
        return api.Std(int(vm))
    if re.match(api._MAPPING_REGEX, vm):
        return {int(i): api.Std(int(v)) for i, v in (m.split(':') for m in vm.split(','))}
    raise ValueError(f'{vm} does not match: <{api._VALUE_REGEX}> or <{api._MAPPING_REGEX}>')


if api.Std.from_str('0') is None:
    api.Std.from_str = staticmethod(_fixed_from_str)

from torch.distributed.run import main  # noqa: E402

if __name__ == '__main__':
    sys.exit(main())
