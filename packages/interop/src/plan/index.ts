export { UnsupportedExportError } from './errors.js';
export { gatesOf, planModel, transpose, type LayerPlan, type ModelPlan, type RecurrentPlan } from './plan.js';
