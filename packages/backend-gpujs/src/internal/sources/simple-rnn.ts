/** The fused SimpleRNN step: h' = act(xp + hp), act tanh or relu. */
export const simpleRnnSource = (activation: 'tanh' | 'relu'): string => `function (xp, hp) {
  var i = this.thread.x;
  var v = xp[i] + hp[i];
  return ${activation === 'relu' ? 'Math.max(v, 0)' : 'tanh_(v)'};
}`;
