/**
 * model.py: an nn.Module that computes what the model's `predict` computes, built from
 * torch.nn.RNN / LSTM / GRU / Linear / Embedding (and the explicit cell of python-lib.ts where
 * those cannot), plus `load(folder)` that reads weights.safetensors beside it.
 */
import type { LayerPlan, ModelPlan, RecurrentPlan } from '../plan/plan.js';
import { attributeNames, frozenRecurrentBias, pyText } from './names.js';
import { PYTHON_LIB } from './python-lib.js';

export const py = (v: boolean) => (v ? 'True' : 'False');
/** A float as Python source (repr round-trips float64; ours are float32 values or exact options). */
export const num = (v: number) => (Number.isInteger(v) ? `${v}.0` : String(v));

const GATE_NAMES = { sigmoid: 'sigmoid', hardSigmoidKeras2: 'hard_sigmoid_keras2', hardSigmoidKeras3: 'hard_sigmoid_keras3' } as const;

/** Whether a recurrent layer needs the explicit cell (torch.nn has no such module). */
export const needsExplicitCell = (l: RecurrentPlan): boolean =>
  l.recurrentActivation !== 'sigmoid' || (l.kind === 'gru' && !l.resetAfter);

export function moduleLine(l: LayerPlan): string | undefined {
  switch (l.type) {
    case 'dense':
      return `nn.Linear(${l.inputSize}, ${l.units}, bias=${py(!!l.bias)})`;
    case 'embedding':
      return `nn.Embedding(${l.inputDim}, ${l.outputDim})`;
    case 'dropout':
      return `nn.Dropout(${num(l.rate)})`;
    case 'masking':
      return undefined;
    case 'recurrent': {
      const bi = l.merge !== undefined;
      if (needsExplicitCell(l))
        return `ExplicitRNN('${l.kind === 'lstm' ? 'LSTM' : 'GRU'}', ${l.inputSize}, ${l.units}, bias=${py(l.useBias)}, bidirectional=${py(bi)}, reset_after=${py(l.resetAfter)}, gate='${GATE_NAMES[l.recurrentActivation]}')`;
      const cls = l.kind === 'lstm' ? 'nn.LSTM' : l.kind === 'gru' ? 'nn.GRU' : 'nn.RNN';
      const nl = l.kind === 'simpleRnn' ? `, nonlinearity='${l.activation}'` : '';
      return `${cls}(${l.inputSize}, ${l.units}${nl}, bias=${py(l.useBias)}, batch_first=True, bidirectional=${py(bi)})`;
    }
  }
}

export function describe(l: LayerPlan): string {
  switch (l.type) {
    case 'recurrent': {
      const opts = [
        l.kind === 'gru' ? `resetAfter ${l.resetAfter}` : '',
        l.recurrentActivation !== 'sigmoid' ? `recurrentActivation ${l.recurrentActivation}` : '',
        l.returnSequences ? 'returnSequences' : '',
        l.goBackwards ? 'goBackwards' : '',
        l.merge ? `bidirectional (${l.merge})` : '',
      ].filter(Boolean);
      return `${l.kind} ${l.units}${opts.length ? ` (${opts.join(', ')})` : ''}`;
    }
    case 'dense':
      return `dense ${l.units} ${l.activation}`;
    case 'embedding':
      return `embedding ${l.inputDim}x${l.outputDim}${l.maskZero ? ' maskZero' : ''}`;
    case 'masking':
      return `masking ${l.maskValue}`;
    case 'dropout':
      return `dropout ${l.rate}`;
  }
}

/** The source of model.py. */
export function modelPy(plan: ModelPlan): string {
  const attrs = attributeNames(plan);
  const init: string[] = [];
  const run: string[] = [];
  const last = plan.layers.length - 1;
  const returnsState = plan.layers[last]?.type === 'recurrent' && (plan.layers[last] as RecurrentPlan).returnState;
  if (plan.indices) run.push('x = x.long()');
  plan.layers.forEach((l, i) => {
    const a = attrs[i];
    const line = moduleLine(l);
    init.push(`# ${pyText(l.name)}: ${describe(l)}`);
    if (line) init.push(`self.${a} = ${line}`);
    switch (l.type) {
      case 'embedding':
        if (l.maskZero) run.push('valid = both(valid, x != 0)');
        run.push(`x = self.${a}(x)`);
        break;
      case 'masking':
        run.push(`valid = (x != ${num(l.maskValue)}).any(-1)`, 'x = x * valid[..., None].to(x.dtype)');
        break;
      case 'dropout':
        run.push(`x = self.${a}(x)`);
        break;
      case 'dense':
        if (i === last) run.push(`z = self.${a}(x)`, `x = ACTIVATIONS['${l.activation}'](z)`);
        else run.push(`x = ACTIVATIONS['${l.activation}'](self.${a}(x))`);
        break;
      case 'recurrent':
        if (frozenRecurrentBias(l)) {
          const sfx = l.merge ? ['', '_reverse'] : [''];
          for (const s of sfx) init.push(`self.${a}.bias_hh_l0${s}.requires_grad_(False)  # one bias in @recurrent/models: b_hh stays 0`);
        }
        run.push(
          `x, valid, states = recurrent_layer(self.${a}, x, valid, go_backwards=${py(l.goBackwards)}, return_sequences=${py(l.returnSequences)}, ` +
            `merge=${l.merge ? `'${l.merge}'` : 'None'}, dropout=${num(l.dropout)}, training=self.training)`,
        );
        break;
    }
  });
  const lastLayer = plan.layers[last];
  const logitsOf = lastLayer?.type === 'dense' && (lastLayer.activation === 'sigmoid' || lastLayer.activation === 'softmax') ? lastLayer.activation : null;
  const inputDoc = plan.indices ? '[batch, steps] integer indices' : `[batch, ${plan.inputShape.map((d) => d ?? 'steps').join(', ')}]`;
  return `"""${pyText(plan.name)}: exported from @recurrent/models by @recurrent/interop (exportPytorch).

Layers: ${plan.layers.map((l) => `${pyText(l.name)} (${describe(l)})`).join('; ')}.

    import model
    net = model.load()                  # weights.safetensors beside this file
    y = net(x)                          # x ${inputDoc}: what predict(x) returns
    y = net(x, lengths=torch.tensor([...]))   # post-padded sequences: only the first lengths[b] steps count

Needs only torch (the safetensors package is used when installed).
"""
${PYTHON_LIB}

# ---- the model -------------------------------------------------------------------------------------

RETURNS_STATE = ${py(!!returnsState)}
# The last layer's activation when predictions are probabilities whose logits the loss can use.
LOGITS_OF = ${logitsOf ? `'${logitsOf}'` : 'None'}


class Model(nn.Module):
    def __init__(self):
        super().__init__()
${init.map((l) => `        ${l}`).join('\n')}

    def run(self, x, valid=None):
        """x ${inputDoc}; valid [batch, steps] bool or None. Returns (output, its step mask or None,
        the last recurrent layer's final states, the last layer's pre-activation or None)."""
        states, z = None, None
${run.map((l) => `        ${l}`).join('\n')}
        return x, valid, states, z

    def forward(self, x, lengths=None, mask=None, logits=False, with_mask=False):
        """What predict(x) returns (and the final states when the last layer has returnState).
        lengths [batch]: valid steps of post-padded sequences; mask [batch, steps]: any step mask
        (both as predict's input mask). logits=True returns the last layer's pre-activation
        instead (for a loss on logits); with_mask=True also returns the output's step mask."""
        valid = None
        if lengths is not None:
            valid = torch.arange(x.shape[1], device=x.device)[None, :] < torch.as_tensor(lengths, device=x.device)[:, None]
        if mask is not None:
            valid = both(valid, torch.as_tensor(mask, device=x.device).bool())
        y, out_valid, states, z = self.run(x, valid)
        if logits:
            y = z
        if with_mask:
            return y, out_valid
        return (y, states) if RETURNS_STATE else y


def load(folder=HERE, weights='weights.safetensors', device='cpu'):
    """The model with the weights in folder/weights, in inference mode (call .train() to train)."""
    model = Model()
    state = read_safetensors(os.path.join(folder, weights))
    model.load_state_dict({k: v.to(torch.float32) for k, v in state.items()})
    return model.to(device).eval()
`;
}
