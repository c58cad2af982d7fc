/** The fault drills on Hardhat's node (drills.ts holds them; drills-anvil.test.ts runs them on anvil). */
import { faultDrills } from "./drills.js";

faultDrills("hardhat");
