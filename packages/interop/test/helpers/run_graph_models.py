"""Test helper: runs exported functional model.py folders. argv[1]: a JSON job file
[{dir, inputs: [{data, shape, long?}]}]; prints a JSON list of outputs [{data, shape}] per job."""
import importlib.util
import json
import sys

import torch

jobs = json.load(open(sys.argv[1]))
out = []
for i, job in enumerate(jobs):
    spec = importlib.util.spec_from_file_location('exported_graph_%d' % i, job['dir'] + '/model.py')
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    net = mod.load()
    xs = [torch.tensor(x['data'], dtype=torch.float32).reshape(x['shape']) for x in job['inputs']]
    with torch.no_grad():
        r = net(*xs)
    rs = r if isinstance(r, tuple) else (r,)
    out.append([{'data': t.flatten().tolist(), 'shape': list(t.shape)} for t in rs])
print(json.dumps(out))
