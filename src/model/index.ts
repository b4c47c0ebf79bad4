export { StateModel } from './model.js';
export {
  DEFAULT_MAX_CALLS,
  type AgentStatusName,
  type AgentView,
  type CallView,
  type Change,
  type ChangeCause,
  type Correction,
  type DNView,
  type ForwardView,
  type ModelEvent,
  type ModelWarning,
  type PartyState,
  type ResyncPlan,
  type ResyncResult,
  type StateModelOptions,
} from './types.js';
