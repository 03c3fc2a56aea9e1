export {
  type ConnectionCapInit,
  capConnectionsPerPeer,
  DEFAULT_MAX_CONNECTIONS_PER_PEER,
  ExcessConnectionError,
} from './connection-cap.js'
export {
  BAN_SCORE,
  PEER_ACTION_SCORE,
  PEER_OFFENCES,
  PeerAction,
  type PeerOffence,
  type PeerScoreState,
  scoreToState,
} from './peer-action.js'
export { PeerActions, type PeerActionsInit, type PeerBan } from './peer-actions.js'
export { PeerScores, type PeerScoresInit } from './peer-scores.js'
