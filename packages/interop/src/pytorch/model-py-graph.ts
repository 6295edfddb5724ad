/**
 * model.py for a functional model: the same modules and helpers as a Sequential's model.py
 * (model-py.ts), and a forward(<one argument per model input>) that runs the layer calls in
 * order — a decoder reading an encoder's final states gets them as its initial states.
 */
import type { GraphPlan, PlanRef } from '../plan/plan.js';
import { describe, moduleLine, num, py } from './model-py.js';
import { attributeNames, frozenRecurrentBias, pyText } from './names.js';
import { PYTHON_LIB } from './python-lib.js';

const TAKEN = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield self torch nn math os both ACTIVATIONS HERE'.split(' '),
);

/** Python argument names for the model inputs (identifiers, unique, clear of keywords and the generated t<k>_<j> / v<k> / s<k>). */
function argumentNames(plan: GraphPlan): string[] {
  const used = new Set(TAKEN);
  return plan.inputs.map((i) => {
    let base = i.name.replace(/[^A-Za-z0-9_]/g, '_');
    if (!/^[A-Za-z_]/.test(base) || base.startsWith('__')) base = `in_${base}`;
    let name = base;
    for (let k = 1; used.has(name) || /^(t\d+_\d+|[vs]\d+|v_.*)$/.test(name); k++) name = `${base}_${k}`;
    used.add(name);
    return name;
  });
}

/** The source of model.py for a functional model. */
export function modelPyGraph(plan: GraphPlan): string {
  const attrs = attributeNames(plan);
  const args = argumentNames(plan);
  const init: string[] = [];
  plan.layers.forEach((l, i) => {
    init.push(`# ${pyText(l.name)}: ${describe(l)}`);
    const line = moduleLine(l);
    if (line) init.push(`self.${attrs[i]} = ${line}`);
    if (l.type === 'recurrent' && frozenRecurrentBias(l))
      for (const s of l.merge ? ['', '_reverse'] : ['']) init.push(`self.${attrs[i]}.bias_hh_l0${s}.requires_grad_(False)  # one bias in @recurrent/models: b_hh stays 0`);
  });
  const t = (r: PlanRef) => ('input' in r ? args[r.input] : `t${r.node}_${r.output}`);
  // Step masks travel with sequence outputs only (output 0); states have none.
  const v = (r: PlanRef) => ('input' in r ? `v_${args[r.input]}` : r.output === 0 ? `v${r.node}` : 'None');
  const run: string[] = plan.inputs.map((_, i) => `v_${args[i]} = None`);
  plan.inputs.forEach((inp, i) => {
    if (inp.indices) run.push(`${args[i]} = ${args[i]}.long()`);
  });
  plan.nodes.forEach((n, k) => {
    const l = plan.layers[n.layer];
    const a = attrs[n.layer];
    const x = t(n.inputs[0]);
    const valid = v(n.inputs[0]);
    switch (l.type) {
      case 'embedding':
        run.push(`t${k}_0 = self.${a}(${x})`, `v${k} = ${l.maskZero ? `both(${valid}, ${x} != 0)` : valid}`);
        break;
      case 'masking':
        run.push(`v${k} = (${x} != ${num(l.maskValue)}).any(-1)`, `t${k}_0 = ${x} * v${k}[..., None].to(${x}.dtype)`);
        break;
      case 'dropout':
        run.push(`t${k}_0 = self.${a}(${x})`, `v${k} = ${valid}`);
        break;
      case 'dense':
        run.push(`t${k}_0 = ACTIVATIONS['${l.activation}'](self.${a}(${x}))`, `v${k} = ${valid}`);
        break;
      case 'recurrent': {
        const initial = n.initialState.length ? `[${n.initialState.map(t).join(', ')}]` : 'None';
        const states = (l.kind === 'lstm' ? 2 : 1) * (l.merge ? 2 : 1);
        const outs = [`t${k}_0`, `v${k}`, `s${k}`];
        run.push(
          `${outs.join(', ')} = recurrent_layer(self.${a}, ${x}, ${valid}, go_backwards=${py(l.goBackwards)}, return_sequences=${py(l.returnSequences)}, ` +
            `merge=${l.merge ? `'${l.merge}'` : 'None'}, dropout=${num(l.dropout)}, training=self.training, initial=${initial})`,
        );
        if (l.returnState) run.push(`${Array.from({ length: states }, (_, j) => `t${k}_${j + 1}`).join(', ')}, = s${k}`);
        break;
      }
    }
  });
  const outs = plan.outputs.map(t);
  const doc = plan.inputs.map((i, k) => `${args[k]} ${i.indices ? '[batch, steps] integer indices' : `[batch, ${i.shape.map((d) => d ?? 'steps').join(', ')}]`}`).join('; ');
  return `"""${pyText(plan.name)}: exported from @recurrent/models by @recurrent/interop (exportPytorch), a functional model.

Layers: ${plan.layers.map((l) => `${pyText(l.name)} (${describe(l)})`).join('; ')}.

    import model
    net = model.load()                  # weights.safetensors beside this file
    y = net(${args.join(', ')})   # ${doc}: what predict([${args.join(', ')}]) returns

Needs only torch (the safetensors package is used when installed).
"""
${PYTHON_LIB}

# ---- the model -------------------------------------------------------------------------------------


class Model(nn.Module):
    def __init__(self):
        super().__init__()
${init.map((l) => `        ${l}`).join('\n')}

    def forward(self, ${args.join(', ')}):
        """What predict returns: ${outs.length === 1 ? 'the output' : `a tuple of the ${outs.length} outputs`}."""
${run.map((l) => `        ${l}`).join('\n')}
        return ${outs.length === 1 ? outs[0] : `(${outs.join(', ')})`}


def load(folder=HERE, weights='weights.safetensors', device='cpu'):
    """The model with the weights in folder/weights, in inference mode (call .train() to train)."""
    model = Model()
    state = read_safetensors(os.path.join(folder, weights))
    model.load_state_dict({k: v.to(torch.float32) for k, v in state.items()})
    return model.to(device).eval()
`;
}
