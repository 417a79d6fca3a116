//! `hybrid`: N threads sharing one device, each running ops of B samples
//! (the seeds' `2t × batch32`). With B = 1 it is `threads`; with N = 1, `batch`.

use std::sync::Arc;
use std::time::Instant;

use super::pool::{self, Devices};
use super::{Env, Shape, Strategy, StrategyKind, Workers};
use crate::experiment::PointSpec;

pub struct Hybrid;

impl Strategy for Hybrid {
    fn kind(&self) -> StrategyKind {
        StrategyKind::Hybrid
    }

    fn shape(&self, point: &PointSpec) -> Shape {
        Shape {
            threads: point.n,
            processes: 1,
            batch: point.batch,
        }
    }

    fn prepare(
        &self,
        point: &PointSpec,
        env: &Env,
        deadline: Instant,
    ) -> Result<Box<dyn Workers>, String> {
        let devices = Devices::Shared(Arc::clone(&env.ctx));
        pool::prepare(devices, self.shape(point), point, deadline)
    }
}
