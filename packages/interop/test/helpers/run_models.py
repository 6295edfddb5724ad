"""Test helper: runs exported model.py folders on given inputs. argv[1]: a JSON job file
[{dir, x: {data, shape}, lengths?, mask?}] (a Sequential's model.py), or [{dir, inputs: [{data,
shape}, ...]}] (a functional model's: net(*inputs)); prints a JSON list of {y: {data, shape},
states?}, or for a functional model {outputs: [{data, shape}, ...]}."""
import importlib.util
import json
import sys

import torch

jobs = json.load(open(sys.argv[1]))
out = []
for i, job in enumerate(jobs):
    spec = importlib.util.spec_from_file_location('exported_model_%d' % i, job['dir'] + '/model.py')
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    net = mod.load()
    if 'inputs' in job:
        xs = [torch.tensor(x['data'], dtype=torch.float32).reshape(x['shape']) for x in job['inputs']]
        with torch.no_grad():
            r = net(*xs)
        out.append({'outputs': [{'data': t.flatten().tolist(), 'shape': list(t.shape)} for t in (r if isinstance(r, tuple) else (r,))]})
        continue
    x = torch.tensor(job['x']['data'], dtype=torch.float32).reshape(job['x']['shape'])
    kw = {}
    if job.get('lengths') is not None:
        kw['lengths'] = torch.tensor(job['lengths'])
    if job.get('mask') is not None:
        kw['mask'] = torch.tensor(job['mask'], dtype=torch.bool).reshape(job['x']['shape'][:2])
    with torch.no_grad():
        r = net(x, **kw)
    res = {}
    if isinstance(r, tuple):
        r, states = r
        res['states'] = [{'data': s.flatten().tolist(), 'shape': list(s.shape)} for s in states]
    res['y'] = {'data': r.flatten().tolist(), 'shape': list(r.shape)}
    out.append(res)
print(json.dumps(out))
