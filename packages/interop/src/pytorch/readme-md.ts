/** README.md of an exported folder: what is in it and how to run it on one machine and on several. */
import type { ModelPlan } from '../plan/plan.js';

export function readmeMd(plan: ModelPlan, files: { train: boolean; data: boolean }): string {
  const train = files.train
    ? `## Train

\`--batch-size\` is the global batch, as in \`fit\`: each process takes a contiguous slice of it and
the loss is scaled so that DistributedDataParallel's averaged gradient is exactly the gradient of
the whole batch's mean loss. The trained weights overwrite \`weights.safetensors\` (or \`--out\`).
${files.data ? 'The data is `data.safetensors` (`x`, `y`, and `mask` when the input had one).' : 'No data was exported: pass `--data FILE` (a safetensors file with `x`, `y` and optionally `mask`) or replace `load_data()` in train.py with your own loader.'}

One process:

    python3 train.py

Two processes on this machine (CPU: gloo; with CUDA: nccl, one GPU per process):

    torchrun --standalone --nproc_per_node=2 train.py

or, where torchrun is unavailable (e.g. Debian's python3-torch 1.13), start the processes yourself:

    for r in 0 1; do MASTER_ADDR=127.0.0.1 MASTER_PORT=29500 RANK=$r WORLD_SIZE=2 python3 train.py & done; wait

Several machines (here 2 machines x 4 processes; run on each machine, NODE = 0 or 1, ADDR the
address of machine 0, reachable from the others on PORT):

    torchrun --nnodes=2 --node_rank=NODE --nproc_per_node=4 --master_addr=ADDR --master_port=29500 train.py

Every machine needs this folder (and the data) at the same path. Without torchrun set
MASTER_ADDR, MASTER_PORT, WORLD_SIZE (all processes), RANK (0 .. WORLD_SIZE-1, unique) and
LOCAL_RANK (the GPU index on that machine) for each process.

The optimizer starts from a fresh state (Adam moments at zero, step 1); shuffling (--shuffle)
uses torch's generator, not @recurrent/models' (use --no-shuffle to reproduce fit({ shuffle: false })
exactly).
`
    : `## Train

The model was not compiled when it was exported, so there is no train.py: compile it
(\`model.compile({ loss, optimizer })\`) and export again.
`;
  return `# ${plan.name}: a @recurrent/models model in PyTorch

Exported by \`@recurrent/interop\` (\`exportPytorch\` or \`recurrent export --format pytorch\`).

| file | what |
| --- | --- |
| \`model.py\` | the model as an \`nn.Module\` (torch.nn.RNN / LSTM / GRU / Linear / Embedding); \`load()\` reads the weights beside it |
| \`weights.safetensors\` | its \`state_dict\` (PyTorch names and layouts) |
${files.train ? '| `train.py` | training under DistributedDataParallel with the compiled loss, optimizer, clipping, schedule, batch size and epochs |\n' : ''}${files.data ? '| `data.safetensors` | the training data (`x`, `y`, `mask`) |\n' : ''}| \`recurrent/\` | the model in @recurrent/models' own format (what \`importPytorch\` loads the trained weights into) |

Needs only \`torch\` (\`pip install torch\`, or Debian's \`python3-torch\`); the \`safetensors\`
package is used when installed.

## Predict

    import torch, model
    net = model.load()
    y = net(torch.tensor(x, dtype=torch.float32))     # what predict(x) returns
    y = net(x, lengths=torch.tensor([5, 3]))           # post-padded sequences of 5 and 3 steps

${train}
## Back to JavaScript

    import { importPytorch } from '@recurrent/interop';
    const model = await importPytorch('this/folder', { backend: createCpuBackend() });

or \`recurrent import --format pytorch --from this/folder --out trained-model\`.
`;
}
